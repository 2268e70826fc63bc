// Behind a real HAProxy (mode tcp, send-proxy-v2): the gateway sees each client's own address in
// its limits and logs, refuses a trusted proxy's connection that lacks the header, never takes
// a header from anyone else, and reads TLS after the header (wss:// through the balancer).
// Clients come from distinct loopback addresses (127.0.0.7, ...), bound before connecting.
#include "HaproxyProcess.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <QFile>
#include <QJsonDocument>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

namespace {
const QString kPassword = QStringLiteral("correct horse");

QByteArray upgradeRequest()
{
    return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// A masked client text frame (zero mask key: the payload as it is).
QByteArray textFrame(const QByteArray &payload)
{
    QByteArray f;
    f.append(char(0x81));
    f.append(char(0x80 | payload.size())); // short payloads only
    f.append(4, '\0');
    return f + payload;
}

// A PROXY protocol v2 header naming `client` (IPv4) as the source.
QByteArray proxyHeader(const QHostAddress &client)
{
    QByteArray h("\r\n\r\n\0\r\nQUIT\n", 12);
    h.append(char(0x21)); // version 2, PROXY
    h.append(char(0x11)); // TCP over IPv4
    h.append(char(0));
    h.append(char(12));
    quint32 address = qToBigEndian(client.toIPv4Address());
    h.append(reinterpret_cast<const char *>(&address), 4);
    address = qToBigEndian(QHostAddress(QStringLiteral("127.0.0.1")).toIPv4Address());
    h.append(reinterpret_cast<const char *>(&address), 4);
    h.append("\x30\x39\x22\xb8", 4); // ports 12345, 8888
    return h;
}

// A raw connection from a chosen loopback address.
class RawClient {
public:
    bool connectFrom(const QString &source, quint16 port)
    {
        if (!m_socket.bind(QHostAddress(source), 0))
            return false;
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(5000);
    }
    void write(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Reads until `until` came or the connection closed; what came.
    QByteArray readUntil(const QByteArray &until, int timeoutMs = 5000)
    {
        [[maybe_unused]] const bool done = QTest::qWaitFor(
            [&] {
                m_in += m_socket.readAll();
                return m_in.contains(until) || m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
        m_in += m_socket.readAll();
        return m_in;
    }
    bool upgrade() { return write(upgradeRequest()), readUntil("\r\n\r\n").startsWith("HTTP/1.1 101"); }
    bool waitForClosed(int timeoutMs = 5000)
    {
        return QTest::qWaitFor(
            [&] {
                m_in += m_socket.readAll();
                return m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }

private:
    QTcpSocket m_socket;
    QByteArray m_in;
};

// haproxy passing TCP connections on to one gateway with a PROXY v2 header, ended by its PID.
class Balancer {
public:
    bool start(const QString &configPath, quint16 backendPort, QString *error)
    {
        m_port = HaproxyProcess::freeLowPort();
        const QByteArray config =
            QStringLiteral("global\n    maxconn 200\n"
                           "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 60s\n"
                           "    timeout server 60s\n"
                           "frontend clients\n    bind 127.0.0.1:%1\n    default_backend gateways\n"
                           "backend gateways\n    server gw1 127.0.0.1:%2 send-proxy-v2\n")
                .arg(m_port)
                .arg(backendPort)
                .toUtf8();
        return m_haproxy.start(configPath, config, m_port, error);
    }
    quint16 port() const { return m_port; }

private:
    HaproxyProcess m_haproxy;
    quint16 m_port = 0;
};
} // namespace

class TestProxyProtocol : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void logsAndLimitsSeeTheClient();
    void trustedProxyWithoutHeaderIsRefused();
    void headerFromAnyoneElseIsNotBelieved();
    void tlsComesAfterTheHeader();

private:
    bool waitForLog(ServerProcess &server, const QByteArray &text);
    // Through the balancer from `source`, a wrong password; true once the gateway has answered
    // it and logged the failure with that address.
    bool wrongPasswordFrom(RawClient &client, const QString &source);

    QTemporaryDir m_dir;
    ServerProcess m_server;
    Balancer m_balancer;
};

bool TestProxyProtocol::waitForLog(ServerProcess &server, const QByteArray &text)
{
    return QTest::qWaitFor([&] { return server.output().contains(text); }, 5000);
}

bool TestProxyProtocol::wrongPasswordFrom(RawClient &client, const QString &source)
{
    if (!client.connectFrom(source, m_balancer.port()) || !client.upgrade())
        return false;
    client.write(textFrame(R"({"type":"hello","user":"mallory","password":"not the password"})"));
    return client.readUntil("auth_failed").contains("auth_failed") &&
           waitForLog(m_server,
                      QStringLiteral("sign-in failed: user mallory from %1 (no such user)").arg(source).toUtf8());
}

void TestProxyProtocol::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(m_server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("db")),
                             QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
                             QStringLiteral("--trusted-proxies"), QStringLiteral("127.0.0.1, 10.0.0.0/8"),
                             QStringLiteral("--max-connections-per-address"), QStringLiteral("1")},
                            &error),
             qPrintable(error));
    QVERIFY2(m_balancer.start(m_dir.filePath(QStringLiteral("haproxy.cfg")), m_server.port(), &error),
             qPrintable(error));
}

void TestProxyProtocol::cleanupTestCase()
{
    m_server.kill();
}

void TestProxyProtocol::logsAndLimitsSeeTheClient()
{
    // Through the balancer from 127.0.0.7: a wrong password is logged with that address.
    RawClient first;
    QVERIFY(wrongPasswordFrom(first, QStringLiteral("127.0.0.7")));
    QVERIFY(first.waitForClosed()); // refused (4001): its place is free again

    // One connection per address here: a second from 127.0.0.7 is refused (4005), while one
    // from 127.0.0.8, through the same balancer, is admitted.
    RawClient holder;
    QVERIFY(holder.connectFrom(QStringLiteral("127.0.0.7"), m_balancer.port()));
    QVERIFY(holder.upgrade());
    RawClient second;
    QVERIFY(second.connectFrom(QStringLiteral("127.0.0.7"), m_balancer.port()));
    QVERIFY(second.upgrade());
    const QByteArray closeFrame("\x88", 1);
    QVERIFY(second.readUntil(closeFrame).contains(QByteArray("\x0f\xa5", 2))); // 4005
    QVERIFY(waitForLog(m_server, "refusing a connection from 127.0.0.7 with 4005"));
    RawClient other;
    QVERIFY(wrongPasswordFrom(other, QStringLiteral("127.0.0.8")));
}

void TestProxyProtocol::trustedProxyWithoutHeaderIsRefused()
{
    // 127.0.0.1 is a trusted proxy: without a header its connection is not taken as a client.
    RawClient direct;
    QVERIFY(direct.connectFrom(QStringLiteral("127.0.0.1"), m_server.port()));
    direct.write(upgradeRequest());
    QVERIFY(direct.waitForClosed());
    QVERIFY(!direct.readUntil("HTTP").contains("101"));
    QVERIFY(waitForLog(m_server, "refusing a connection from a trusted proxy"));
}

void TestProxyProtocol::headerFromAnyoneElseIsNotBelieved()
{
    // 127.0.0.9 is no proxy: a header claiming to be 10.9.9.9 is just bad HTTP.
    RawClient forger;
    QVERIFY(forger.connectFrom(QStringLiteral("127.0.0.9"), m_server.port()));
    forger.write(proxyHeader(QHostAddress(QStringLiteral("10.9.9.9"))) + upgradeRequest());
    const QByteArray answer = forger.readUntil("\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 400"), answer.constData());
    // Without one it is an ordinary client.
    RawClient honest;
    QVERIFY(honest.connectFrom(QStringLiteral("127.0.0.9"), m_server.port()));
    QVERIFY(honest.upgrade());
}

void TestProxyProtocol::tlsComesAfterTheHeader()
{
    const QString key = m_dir.filePath(QStringLiteral("tls.key"));
    const QString certificate = m_dir.filePath(QStringLiteral("tls.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                   QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), key, QStringLiteral("-out"), certificate, QStringLiteral("-days"),
                   QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                   QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1")});
    QVERIFY(openssl.waitForFinished(30000) && openssl.exitCode() == 0);
    ServerProcess server;
    QString error;
    QVERIFY2(server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("tls-db")),
                           QStringLiteral("--tls-cert"), certificate, QStringLiteral("--tls-key"), key,
                           QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
                           QStringLiteral("--trusted-proxies"), QStringLiteral("127.0.0.1")},
                          &error),
             qPrintable(error));
    Balancer balancer;
    QVERIFY2(balancer.start(m_dir.filePath(QStringLiteral("haproxy-tls.cfg")), server.port(), &error),
             qPrintable(error));
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.addCaCertificates(QSslCertificate::fromPath(certificate));
    QSslConfiguration::setDefaultConfiguration(trust);
    TestClient client;
    QUrl url(QStringLiteral("wss://127.0.0.1/"));
    url.setPort(balancer.port());
    QVERIFY(client.signIn(url, QStringLiteral("tlsuser"), kPassword, true));
    server.kill();
}

QTEST_MAIN(TestProxyProtocol)
#include "TestProxyProtocol.moc"
