// The gateway's own WebSocket transport (ServerWebSocket), byte by byte from a raw TCP client
// against a real presently-server process: handshakes, framing, limits and hostile input.
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <optional>

namespace {

const QByteArray kSampleKey = "dGhlIHNhbXBsZSBub25jZQ=="; // RFC 6455, section 1.3

QByteArray upgradeRequest(const QByteArray &extraHeaders = {}, const QByteArray &key = kSampleKey,
                          const QByteArray &version = "13")
{
    return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: " +
           key + "\r\nSec-WebSocket-Version: " + version + "\r\n" + extraHeaders + "\r\n";
}

// A client frame; masked unless told otherwise. `first` is the first byte (FIN, RSV, opcode).
QByteArray frame(quint8 first, const QByteArray &payload, bool masked = true, qint64 declaredLength = -1)
{
    const quint64 length = declaredLength >= 0 ? quint64(declaredLength) : quint64(payload.size());
    QByteArray out;
    out.append(char(first));
    const char maskBit = masked ? char(0x80) : char(0);
    if (length < 126) {
        out.append(char(maskBit | char(length)));
    } else if (length <= 0xFFFF) {
        out.append(char(maskBit | 126));
        out.append(char(length >> 8));
        out.append(char(length & 0xFF));
    } else {
        out.append(char(maskBit | 127));
        for (int i = 7; i >= 0; --i)
            out.append(char((length >> (8 * i)) & 0xFF));
    }
    if (!masked)
        return out + payload;
    const char key[4] = {0x12, 0x34, 0x56, 0x78};
    out.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        out.append(char(payload[i] ^ key[i % 4]));
    return out;
}

QByteArray closeBody(quint16 code, const QByteArray &reason = {})
{
    return QByteArray(1, char(code >> 8)) + QByteArray(1, char(code & 0xFF)) + reason;
}

struct ServerFrame {
    quint8 opcode = 0;
    bool fin = false;
    QByteArray payload;
    quint16 closeCode() const
    {
        return payload.size() >= 2 ? quint16((quint8(payload[0]) << 8) | quint8(payload[1])) : 0;
    }
};

// A WebSocket client that writes whatever bytes it is given.
class RawClient {
public:
    bool open(const QUrl &url)
    {
        m_socket.connectToHost(url.host(), quint16(url.port()));
        return m_socket.waitForConnected(5000);
    }
    bool upgrade()
    {
        write(upgradeRequest());
        const QByteArray head = readHead();
        return head.startsWith("HTTP/1.1 101");
    }
    void write(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.waitForBytesWritten(5000);
    }
    // The HTTP response head, up to the blank line (empty on time-out).
    QByteArray readHead(int timeoutMs = 5000)
    {
        const QDeadlineTimer deadline(timeoutMs);
        while (m_in.indexOf("\r\n\r\n") < 0) {
            if (!fill(deadline))
                return {};
        }
        const qsizetype end = m_in.indexOf("\r\n\r\n") + 4;
        const QByteArray head = m_in.left(end);
        m_in.remove(0, end);
        return head;
    }
    std::optional<ServerFrame> readFrame(int timeoutMs = 5000)
    {
        const QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            if (m_in.size() >= 2) {
                const quint8 b1 = quint8(m_in[1]);
                if (b1 & 0x80)
                    return std::nullopt; // servers never mask
                qsizetype header = 2;
                quint64 length = b1 & 0x7F;
                if (length == 126 && m_in.size() >= 4) {
                    length = (quint64(quint8(m_in[2])) << 8) | quint8(m_in[3]);
                    header = 4;
                } else if (length == 127 && m_in.size() >= 10) {
                    length = 0;
                    for (int i = 2; i < 10; ++i)
                        length = (length << 8) | quint8(m_in[i]);
                    header = 10;
                }
                if ((b1 & 0x7F) < 126 || header > 2) {
                    if (quint64(m_in.size()) >= header + length) {
                        ServerFrame f;
                        f.fin = (quint8(m_in[0]) & 0x80) != 0;
                        f.opcode = quint8(m_in[0]) & 0x0F;
                        f.payload = m_in.mid(header, qsizetype(length));
                        m_in.remove(0, header + qsizetype(length));
                        return f;
                    }
                }
            }
            if (!fill(deadline))
                return std::nullopt;
        }
    }
    // Reads frames until one of `opcode` (skipping presence pushes and the like).
    std::optional<ServerFrame> readFrameOf(quint8 opcode, int timeoutMs = 5000)
    {
        const QDeadlineTimer deadline(timeoutMs);
        while (auto f = readFrame(int(qMax<qint64>(0, deadline.remainingTime())))) {
            if (f->opcode == opcode)
                return f;
        }
        return std::nullopt;
    }
    // Whether the server closed the TCP connection within the time.
    bool waitForServerClose(int timeoutMs = 5000)
    {
        const QDeadlineTimer deadline(timeoutMs);
        while (m_socket.state() == QAbstractSocket::ConnectedState) {
            m_socket.readAll();
            if (!m_socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime()))) &&
                m_socket.state() == QAbstractSocket::ConnectedState && deadline.hasExpired())
                return false;
        }
        return true;
    }

private:
    bool fill(const QDeadlineTimer &deadline)
    {
        if (m_socket.bytesAvailable() == 0 &&
            !m_socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime()))))
            return false;
        m_in += m_socket.readAll();
        return true;
    }

    QTcpSocket m_socket;
    QByteArray m_in;
};

} // namespace

class TestWebSocketTransport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void acceptsTheRfcSampleHandshake();
    void rejectsBadHandshakes_data();
    void rejectsBadHandshakes();
    void failsProtocolViolations_data();
    void failsProtocolViolations();
    void reassemblesFragmentsAroundControlFrames();
    void readsFramesSplitAcrossWrites();
    void answersTheCloseHandshake();
    void keepsServingOthers();

private:
    QTemporaryDir m_dir;
    ServerProcess m_server;
};

void TestWebSocketTransport::initTestCase()
{
    QString error;
    QVERIFY2(
        // The RFC's sample request comes from a page on http://example.com.
        m_server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("db.sqlite")),
                        QStringLiteral("--allowed-origins"), QStringLiteral("http://example.com")},
                       &error),
        qPrintable(error));
}

void TestWebSocketTransport::cleanupTestCase()
{
    m_server.kill();
}

void TestWebSocketTransport::acceptsTheRfcSampleHandshake()
{
    RawClient c;
    QVERIFY(c.open(m_server.url()));
    c.write(upgradeRequest("Origin: http://example.com\r\nSec-WebSocket-Protocol: chat\r\n"));
    const QByteArray head = c.readHead();
    QVERIFY2(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head.constData());
    QVERIFY2(head.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), head.constData());
    QVERIFY(head.toLower().contains("\r\nupgrade: websocket\r\n"));
    // No subprotocol was chosen, so none is named.
    QVERIFY(!head.toLower().contains("sec-websocket-protocol"));
}

void TestWebSocketTransport::rejectsBadHandshakes_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("status");
    QTest::addColumn<QByteArray>("header");
    QTest::newRow("POST") << QByteArray(upgradeRequest()).replace("GET", "POST") << QByteArray("405")
                          << QByteArray("Allow: GET");
    QTest::newRow("HTTP/1.0") << QByteArray(upgradeRequest()).replace("HTTP/1.1", "HTTP/1.0") << QByteArray("400")
                              << QByteArray();
    QTest::newRow("plain HTTP") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("426")
                                << QByteArray("Upgrade: websocket");
    QTest::newRow("version 8") << upgradeRequest({}, kSampleKey, "8") << QByteArray("426")
                               << QByteArray("Sec-WebSocket-Version: 13");
    QTest::newRow("no key") << QByteArray(upgradeRequest()).replace("Sec-WebSocket-Key", "X-Key") << QByteArray("400")
                            << QByteArray();
    QTest::newRow("short key") << upgradeRequest({}, "c2hvcnQ=") << QByteArray("400") << QByteArray();
    QTest::newRow("no Host") << QByteArray(upgradeRequest()).replace("Host: 127.0.0.1\r\n", "") << QByteArray("400")
                             << QByteArray();
    QTest::newRow("header line without colon") << upgradeRequest("nonsense\r\n") << QByteArray("400") << QByteArray();
    QTest::newRow("headers over 8 KiB") << upgradeRequest("X-Pad: " + QByteArray(9000, 'a') + "\r\n")
                                        << QByteArray("431") << QByteArray();
}

void TestWebSocketTransport::rejectsBadHandshakes()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, status);
    QFETCH(QByteArray, header);
    RawClient c;
    QVERIFY(c.open(m_server.url()));
    c.write(request);
    const QByteArray head = c.readHead();
    QVERIFY2(head.startsWith("HTTP/1.1 " + status + " "), head.constData());
    if (!header.isEmpty())
        QVERIFY2(head.contains("\r\n" + header + "\r\n"), head.constData());
    QVERIFY(c.waitForServerClose());
}

void TestWebSocketTransport::failsProtocolViolations_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("closeCode");
    const QByteArray hello = R"({"type":"hello","v":1,"token":"nope"})";
    QTest::newRow("unmasked") << frame(0x81, hello, false) << 1002;
    QTest::newRow("reserved bit") << frame(0xC1, hello) << 1002;
    QTest::newRow("unknown opcode") << frame(0x83, hello) << 1002;
    QTest::newRow("ping over 125 bytes") << frame(0x89, QByteArray(126, 'p')) << 1002;
    QTest::newRow("fragmented ping") << frame(0x09, "p") << 1002;
    QTest::newRow("continuation first") << frame(0x80, hello) << 1002;
    QTest::newRow("text inside a fragmented text") << frame(0x01, "{") + frame(0x81, hello) << 1002;
    QTest::newRow("overlong UTF-8") << frame(0x81, "{\"type\":\"\xC0\xAF\"}") << 1007;
    QTest::newRow("UTF-16 surrogate") << frame(0x81, "{\"type\":\"\xED\xA0\x80\"}") << 1007;
    QTest::newRow("truncated UTF-8") << frame(0x81, "{\"type\":\"\xE2\x82") << 1007;
    QTest::newRow("over U+10FFFF") << frame(0x81, "\xF4\x90\x80\x80") << 1007;
    QTest::newRow("UTF-8 split across fragments, bad") << frame(0x01, "\xE2\x82") + frame(0x80, "x") << 1007;
    // Refused on the header alone: the 70,000 bytes never need to arrive.
    QTest::newRow("frame over 64 KiB") << frame(0x81, "{", true, 70000) << 1009;
    QTest::newRow("message over 64 KiB in fragments")
        << frame(0x01, QByteArray(40000, ' ')) + frame(0x80, QByteArray(40000, ' ')) << 1009;
    QTest::newRow("64-bit length with the top bit") << frame(0x81, "{", true, qint64(-1) & 0x7FFFFFFFFFFFFFFF) << 1009;
    QTest::newRow("close with one byte") << frame(0x88, "x") << 1002;
    QTest::newRow("close code 1005") << frame(0x88, closeBody(1005)) << 1002;
    QTest::newRow("close code 999") << frame(0x88, closeBody(999)) << 1002;
    QTest::newRow("close reason not UTF-8") << frame(0x88, closeBody(1000, "\xFF")) << 1007;
}

void TestWebSocketTransport::failsProtocolViolations()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, closeCode);
    RawClient c;
    QVERIFY(c.open(m_server.url()));
    QVERIFY(c.upgrade());
    c.write(bytes);
    const auto close = c.readFrameOf(0x8);
    QVERIFY(close);
    QCOMPARE(int(close->closeCode()), closeCode);
    QVERIFY(close->payload.size() > 2); // with a reason
    QVERIFY(c.waitForServerClose());
}

void TestWebSocketTransport::reassemblesFragmentsAroundControlFrames()
{
    RawClient c;
    QVERIFY(c.open(m_server.url()));
    QVERIFY(c.upgrade());
    // A hello in three fragments, a ping between them, a multi-byte character split over two.
    c.write(frame(0x01, R"({"type":"hello","v":1,"token":"caf)" + QByteArray("\xC3")));
    c.write(frame(0x89, "are you there"));
    c.write(frame(0x00, "\xA9"));
    c.write(frame(0x80, R"("})"));
    const auto pong = c.readFrame();
    QVERIFY(pong);
    QCOMPARE(int(pong->opcode), 0xA);
    QCOMPARE(pong->payload, QByteArray("are you there"));
    const auto reply = c.readFrame();
    QVERIFY(reply);
    QCOMPARE(int(reply->opcode), 0x1);
    const QJsonObject error = QJsonDocument::fromJson(reply->payload).object();
    QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("auth_failed"));
}

void TestWebSocketTransport::readsFramesSplitAcrossWrites()
{
    RawClient c;
    QVERIFY(c.open(m_server.url()));
    // The handshake and a frame, each in pieces of a few bytes (a 200-byte frame takes the
    // 16-bit length form).
    const QByteArray bytes =
        upgradeRequest() + frame(0x81, R"({"type":"hello","v":1,"token":")" + QByteArray(160, 'x') + R"("})");
    for (qsizetype i = 0; i < bytes.size(); i += 7)
        c.write(bytes.mid(i, 7));
    QVERIFY(c.readHead().startsWith("HTTP/1.1 101"));
    const auto reply = c.readFrameOf(0x1);
    QVERIFY(reply);
    QCOMPARE(QJsonDocument::fromJson(reply->payload).object().value(QStringLiteral("code")).toString(),
             QStringLiteral("auth_failed"));
}

void TestWebSocketTransport::answersTheCloseHandshake()
{
    RawClient c;
    QVERIFY(c.open(m_server.url()));
    QVERIFY(c.upgrade());
    c.write(frame(0x88, closeBody(4321, "see you")));
    const auto close = c.readFrameOf(0x8);
    QVERIFY(close);
    QCOMPARE(int(close->closeCode()), 4321); // echoed
    QVERIFY(c.waitForServerClose());
}

void TestWebSocketTransport::keepsServingOthers()
{
    // After all of the above, the gateway still signs people in and answers heartbeats.
    auto client =
        TestUsers::signedIn(m_server.url(), QStringLiteral("survivor"), QStringLiteral("correct horse"), true);
    QVERIFY(client);
    client->send(TestUsers::obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(client->waitForType(QStringLiteral("heartbeat_ack")));
}

QTEST_GUILESS_MAIN(TestWebSocketTransport)
#include "TestWebSocketTransport.moc"
