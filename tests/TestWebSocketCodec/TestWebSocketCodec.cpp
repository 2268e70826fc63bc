// The server's RFC 6455 codec on bytes alone: UTF-8 validation, frame reading and writing.
#include "net/WebSocketCodec.h"

#include <QTest>

using namespace presently;
using namespace presently::WebSocketCodec;

namespace {
QByteArray maskedFrame(quint8 first, const QByteArray &payload)
{
    char header[10];
    const int size = writeFrameHeader(header, 0, quint64(payload.size()));
    QByteArray out(header, size);
    out[0] = char(first);
    out[1] = char(out[1] | char(0x80));
    const char key[4] = {char(0xA1), 0x02, char(0xF3), 0x44};
    out.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        out.append(char(payload[i] ^ key[i % 4]));
    return out;
}
} // namespace

class TestWebSocketCodec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void validatesUtf8_data();
    void validatesUtf8();
    void readsMaskedFramesOfEveryLengthForm_data();
    void readsMaskedFramesOfEveryLengthForm();
    void waitsForWholeFrames();
    void writesMinimalHeaders();
    void cutsCloseReasonsOnCharacterBoundaries();
    void acceptsKnownCloseCodesOnly();
    void tellsPlainRequestsFromUpgrades();
};

void TestWebSocketCodec::validatesUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("ASCII, long") << QByteArray(100, 'a') << true;
    QTest::newRow("two bytes") << QByteArray("caf\xC3\xA9") << true;
    QTest::newRow("three bytes") << QByteArray("\xE2\x82\xAC") << true;
    QTest::newRow("four bytes, last code point") << QByteArray("\xF4\x8F\xBF\xBF") << true;
    QTest::newRow("after 8 ASCII bytes") << QByteArray("abcdefgh\xC3\xA9") << true;
    QTest::newRow("NUL") << QByteArray("a\0b", 3) << true;
    QTest::newRow("lone continuation") << QByteArray("\x80") << false;
    QTest::newRow("overlong two bytes") << QByteArray("\xC1\xBF") << false;
    QTest::newRow("overlong three bytes") << QByteArray("\xE0\x9F\xBF") << false;
    QTest::newRow("overlong four bytes") << QByteArray("\xF0\x8F\xBF\xBF") << false;
    QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << false;
    QTest::newRow("over U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << false;
    QTest::newRow("F5") << QByteArray("\xF5\x80\x80\x80") << false;
    QTest::newRow("truncated at the end") << QByteArray("abc\xE2\x82") << false;
    QTest::newRow("truncated after 8 ASCII") << QByteArray("abcdefgh\xF0\x9F\x98") << false;
    QTest::newRow("bad second continuation") << QByteArray("\xE2\x82\x41") << false;
}

void TestWebSocketCodec::validatesUtf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes.constData(), bytes.size()), valid);
}

void TestWebSocketCodec::readsMaskedFramesOfEveryLengthForm_data()
{
    QTest::addColumn<int>("length");
    for (int length : {0, 1, 125, 126, 65535, 65536, 70000})
        QTest::newRow(qPrintable(QString::number(length))) << length;
}

void TestWebSocketCodec::readsMaskedFramesOfEveryLengthForm()
{
    QFETCH(int, length);
    QByteArray payload(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        payload[i] = char(i * 7);
    QByteArray bytes = maskedFrame(0x81, payload) + "next";
    const Frame f = readClientFrame(bytes.data(), bytes.size(), 1 << 20);
    QCOMPARE(int(f.status), int(Frame::Status::Complete));
    QVERIFY(f.fin);
    QCOMPARE(int(f.opcode), int(OpText));
    QCOMPARE(QByteArray(f.payload, f.length), payload);
    QCOMPARE(f.consumed, bytes.size() - 4);

    const Frame tooBig = readClientFrame(bytes.data(), bytes.size(), length - 1);
    if (length > 0) {
        QCOMPARE(int(tooBig.status), int(Frame::Status::Failed));
        QCOMPARE(int(tooBig.closeCode), int(CloseTooBig));
    }
}

void TestWebSocketCodec::waitsForWholeFrames()
{
    const QByteArray whole = maskedFrame(0x82, QByteArray(300, 'z'));
    for (qsizetype prefix = 0; prefix < whole.size(); ++prefix) {
        QByteArray part = whole.left(prefix);
        QCOMPARE(int(readClientFrame(part.data(), part.size(), 1 << 20).status), int(Frame::Status::Incomplete));
    }
}

void TestWebSocketCodec::writesMinimalHeaders()
{
    char header[10];
    QCOMPARE(writeFrameHeader(header, OpText, 125), 2);
    QCOMPARE(quint8(header[0]), quint8(0x81));
    QCOMPARE(quint8(header[1]), quint8(125));
    QCOMPARE(writeFrameHeader(header, OpText, 126), 4);
    QCOMPARE(quint8(header[1]), quint8(126));
    QCOMPARE(writeFrameHeader(header, OpClose, 65535), 4);
    QCOMPARE(quint8(header[0]), quint8(0x88));
    QCOMPARE(quint8(header[2]), quint8(0xFF));
    QCOMPARE(writeFrameHeader(header, OpBinary, 65536), 10);
    QCOMPARE(quint8(header[1]), quint8(127));
    QCOMPARE(quint8(header[7]), quint8(1));
    QCOMPARE(quint8(header[9]), quint8(0));
}

void TestWebSocketCodec::cutsCloseReasonsOnCharacterBoundaries()
{
    const QByteArray reason = QByteArray(122, 'a') + "\xC3\xA9\xC3\xA9"; // 126 bytes, é at 122
    const QByteArray payload = closePayload(4003, reason);
    QCOMPARE(payload.size(), 2 + 122); // é would end at byte 124 of 123 allowed: left out whole
    QCOMPARE(quint8(payload[0]), quint8(4003 >> 8));
    QCOMPARE(quint8(payload[1]), quint8(4003 & 0xFF));
    QVERIFY(isValidUtf8(payload.constData() + 2, payload.size() - 2));
    QCOMPARE(closePayload(1000, "bye").mid(2), QByteArray("bye"));
}

void TestWebSocketCodec::acceptsKnownCloseCodesOnly()
{
    for (quint16 code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4003, 4999})
        QVERIFY2(isValidReceivedCloseCode(code), qPrintable(QString::number(code)));
    for (quint16 code : {0, 999, 1004, 1005, 1006, 1015, 2999, 5000})
        QVERIFY2(!isValidReceivedCloseCode(code), qPrintable(QString::number(code)));
}

void TestWebSocketCodec::tellsPlainRequestsFromUpgrades()
{
    const auto read = [](const QByteArray &request) {
        return readHandshake(request.constData(), request.size(), 8192);
    };
    // A health check, as HAProxy sends it: HTTP/1.0, no Host, a query kept in the target.
    Handshake h = read("GET /readyz?full HTTP/1.0\r\n\r\n");
    QCOMPARE(h.status, Handshake::Status::Plain);
    QCOMPARE(h.target, QByteArray("/readyz?full"));
    QVERIFY(h.response.startsWith("HTTP/1.1 426 ")); // for a caller with nothing to answer
    h = read("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n");
    QCOMPARE(h.status, Handshake::Status::Plain);
    QCOMPARE(h.consumed, qsizetype(35)); // the whole request
    // Anything asking for a WebSocket is judged as an upgrade.
    h = read("GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    QCOMPARE(h.status, Handshake::Status::Rejected);
    QVERIFY(h.response.startsWith("HTTP/1.1 400 "));
    h = read("GET / HTTP/1.1\r\nHost: gw\r\nSec-WebSocket-Key: x\r\n\r\n");
    QCOMPARE(h.status, Handshake::Status::Rejected);
    QCOMPARE(read("POST /readyz HTTP/1.1\r\nHost: gw\r\n\r\n").status, Handshake::Status::Rejected);
    QCOMPARE(read("GET /readyz HTTP/2\r\n\r\n").status, Handshake::Status::Rejected);
    QCOMPARE(httpResponse("200 OK", "text/plain", "ok\n"),
             QByteArray(
                 "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"));
}

QTEST_GUILESS_MAIN(TestWebSocketCodec)
#include "TestWebSocketCodec.moc"
