// ProxyHeader (PROXY protocol v2) on its own: IPv4 and IPv6 sources, LOCAL, a header that
// arrives a byte at a time, and what is refused (another signature, version 1's text, another
// version, a header longer than allowed). bytesNeeded() never asks past the header's end.
#include "net/ProxyHeader.h"

#include <QTest>

using namespace presently;

namespace {
QByteArray header(quint8 versionCommand, quint8 family, const QByteArray &body)
{
    QByteArray h("\r\n\r\n\0\r\nQUIT\n", 12);
    h.append(char(versionCommand));
    h.append(char(family));
    h.append(char(body.size() >> 8));
    h.append(char(body.size() & 0xFF));
    return h + body;
}

// Offers `bytes` as a socket read would: what the header still needs, no more.
ProxyHeader::Status feed(ProxyHeader &h, const QByteArray &bytes)
{
    qsizetype offered = 0;
    while (h.status() == ProxyHeader::Status::Incomplete && offered < bytes.size()) {
        const qsizetype n = qMin(h.bytesNeeded(), bytes.size() - offered);
        h.append(bytes.constData() + offered, n);
        offered += n;
    }
    return h.status();
}

QByteArray ipv4Body()
{
    return QByteArray("\xc0\x00\x02\x0a"
                      "\x0a\x00\x00\x01"
                      "\x30\x39"
                      "\x22\xb8",
                      12) +
           QByteArray("\x04\x00\x01x", 4);
}
} // namespace

class TestProxyHeader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ipv4SourceWithATlv();
    void ipv6Source();
    void localKeepsTheConnectionsAddress();
    void byteAtATimeNeverAsksPastTheEnd();
    void refusals_data();
    void refusals();
};

void TestProxyHeader::ipv4SourceWithATlv()
{
    ProxyHeader h;
    const QByteArray bytes = header(0x21, 0x11, ipv4Body());
    QCOMPARE(h.bytesNeeded(), 16);
    QCOMPARE(h.append(bytes.constData(), 16), ProxyHeader::Status::Incomplete);
    QCOMPARE(h.bytesNeeded(), 16);
    QCOMPARE(h.append(bytes.constData() + 16, bytes.size() - 16), ProxyHeader::Status::Complete);
    QCOMPARE(h.source(), QHostAddress(QStringLiteral("192.0.2.10")));
    QCOMPARE(h.sourcePort(), quint16(12345));
    QCOMPARE(h.bytesNeeded(), 0);
}

void TestProxyHeader::ipv6Source()
{
    QByteArray body(36, '\0');
    const Q_IPV6ADDR source = QHostAddress(QStringLiteral("2001:db8::7")).toIPv6Address();
    body.replace(0, 16, QByteArray(reinterpret_cast<const char *>(source.c), 16));
    body[32] = char(0x01);
    body[33] = char(0xbb);
    ProxyHeader h;
    const QByteArray bytes = header(0x21, 0x21, body);
    QCOMPARE(feed(h, bytes), ProxyHeader::Status::Complete);
    QCOMPARE(h.source(), QHostAddress(QStringLiteral("2001:db8::7")));
    QCOMPARE(h.sourcePort(), quint16(443));
}

void TestProxyHeader::localKeepsTheConnectionsAddress()
{
    ProxyHeader h;
    const QByteArray bytes = header(0x20, 0x00, {});
    QCOMPARE(feed(h, bytes), ProxyHeader::Status::Complete);
    QVERIFY(h.source().isNull());
}

void TestProxyHeader::byteAtATimeNeverAsksPastTheEnd()
{
    const QByteArray bytes = header(0x21, 0x11, ipv4Body()) + "GET / HTTP/1.1\r\n";
    const qsizetype headerSize = bytes.size() - 16;
    ProxyHeader h;
    qsizetype offered = 0;
    while (h.status() == ProxyHeader::Status::Incomplete) {
        QVERIFY(offered + h.bytesNeeded() <= headerSize);
        h.append(bytes.constData() + offered, 1);
        ++offered;
    }
    QCOMPARE(h.status(), ProxyHeader::Status::Complete);
    QCOMPARE(offered, headerSize);
}

void TestProxyHeader::refusals_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("plain HTTP") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("TLS ClientHello") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    QTest::newRow("version 1 text") << QByteArray("PROXY TCP4 192.0.2.10 10.0.0.1 12345 8888\r\n");
    QTest::newRow("version 3") << header(0x31, 0x11, ipv4Body());
    QTest::newRow("unknown command") << header(0x25, 0x11, ipv4Body());
    QTest::newRow("IPv4 body too short") << header(0x21, 0x11, QByteArray(8, '\0'));
    QTest::newRow("too long") << header(0x21, 0x11, QByteArray(ProxyHeader::kMaxBytes, '\0'));
}

void TestProxyHeader::refusals()
{
    QFETCH(QByteArray, bytes);
    ProxyHeader h;
    QCOMPARE(feed(h, bytes), ProxyHeader::Status::Invalid);
    QVERIFY(qstrlen(h.error()) > 0);
}

QTEST_GUILESS_MAIN(TestProxyHeader)
#include "TestProxyHeader.moc"
