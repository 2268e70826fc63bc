// wss:// end to end: certificates made here with the openssl tool (a test CA, two server
// certificates it signs, and a CA nobody trusts), a real presently-server serving TLS, `openssl
// s_client` checking protocol versions and ALPN, the real ClientSession signing in over wss, a
// certificate from an unknown CA refused, SIGHUP to a new certificate while sessions stay up, and
// idle sockets unable to hold the handshake slots.
#include "ServerProcess.h"
#include "TestClient.h"
#include "core/ClientSession.h"
#include "core/TrustedCertificates.h"

#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace presently;

namespace {
const QString kPassword = QStringLiteral("correct horse");

struct Handshake {
    bool finished = false; // a cipher was agreed
    QString protocol;
    QString alpn;
    QString subject;
    bool verified = false;
    QString output;
};
} // namespace

class TestTls : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void badCertificateIsAStartupError();
    void onlyTls12And13WithAlpn();
    void plainTrafficOnTheTlsPortIsClosed();
    void unknownCaIsRefused();
    void clientSignsInOverWss();
    void sighupRotatesTheCertificateWithSessionsUp();
    void idleSocketsCannotHoldTheHandshakeSlots();

private:
    bool openssl(const QStringList &arguments);
    // A key and a certificate for 127.0.0.1 signed by `ca` (a path without suffix: .pem, .key).
    bool makeServerCertificate(const QString &name, const QString &commonName, const QString &ca);
    Handshake handshake(quint16 port, const QStringList &options);
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QUrl wssUrl(const ServerProcess &server) const;

    QTemporaryDir m_dir;
    ServerProcess m_server;
    std::unique_ptr<ClientSession> m_alice;
    TestClient m_bob;
};

bool TestTls::openssl(const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("openssl"), arguments);
    if (!process.waitForFinished(30000) || process.exitCode() != 0) {
        qWarning() << "openssl" << arguments << "failed:" << process.readAll();
        return false;
    }
    return true;
}

bool TestTls::makeServerCertificate(const QString &name, const QString &commonName, const QString &ca)
{
    QFile extensions(path(name + QStringLiteral(".ext")));
    if (!extensions.open(QIODevice::WriteOnly))
        return false;
    extensions.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    extensions.close();
    return openssl({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                    QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                    path(name + QStringLiteral(".key")), QStringLiteral("-out"), path(name + QStringLiteral(".csr")),
                    QStringLiteral("-subj"), QStringLiteral("/CN=") + commonName}) &&
           openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                    path(name + QStringLiteral(".csr")), QStringLiteral("-CA"), path(ca + QStringLiteral(".pem")),
                    QStringLiteral("-CAkey"), path(ca + QStringLiteral(".key")), QStringLiteral("-CAcreateserial"),
                    QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-extfile"),
                    path(name + QStringLiteral(".ext")), QStringLiteral("-out"), path(name + QStringLiteral(".pem"))});
}

Handshake TestTls::handshake(quint16 port, const QStringList &options)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("openssl"), QStringList{QStringLiteral("s_client"), QStringLiteral("-connect"),
                                                         QStringLiteral("127.0.0.1:%1").arg(port),
                                                         QStringLiteral("-CAfile"), path(QStringLiteral("ca.pem"))} +
                                                 options);
    process.closeWriteChannel(); // s_client ends at end of input, after the handshake
    Handshake result;
    if (!process.waitForFinished(15000)) {
        process.kill();
        process.waitForFinished();
    }
    result.output = QString::fromUtf8(process.readAll());
    const auto field = [&](const QString &pattern) {
        const QRegularExpressionMatch match =
            QRegularExpression(pattern, QRegularExpression::MultilineOption).match(result.output);
        return match.hasMatch() ? match.captured(1).trimmed() : QString();
    };
    const QString cipher = field(QStringLiteral("Cipher is (\\S+)"));
    result.finished = !cipher.isEmpty() && cipher != QLatin1String("(NONE)");
    result.protocol = field(QStringLiteral("^New, (\\S+),"));
    result.alpn = field(QStringLiteral("^ALPN protocol: (\\S+)"));
    result.subject = field(QStringLiteral("^subject=(.*)$"));
    result.verified = result.output.contains(QLatin1String("Verify return code: 0 (ok)"));
    return result;
}

QUrl TestTls::wssUrl(const ServerProcess &server) const
{
    QUrl url = server.url();
    url.setScheme(QStringLiteral("wss"));
    return url;
}

void TestTls::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const QString &ca : {QStringLiteral("ca"), QStringLiteral("other-ca")}) {
        QVERIFY(openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                         QStringLiteral("ec"), QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"),
                         QStringLiteral("-nodes"), QStringLiteral("-keyout"), path(ca + QStringLiteral(".key")),
                         QStringLiteral("-out"), path(ca + QStringLiteral(".pem")), QStringLiteral("-days"),
                         QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=Presently test ") + ca}));
    }
    QVERIFY(makeServerCertificate(QStringLiteral("first"), QStringLiteral("presently-first"), QStringLiteral("ca")));
    QVERIFY(makeServerCertificate(QStringLiteral("second"), QStringLiteral("presently-second"), QStringLiteral("ca")));
    // The server reads these paths; SIGHUP finds new files there.
    QVERIFY(QFile::copy(path(QStringLiteral("first.pem")), path(QStringLiteral("server.pem"))));
    QVERIFY(QFile::copy(path(QStringLiteral("first.key")), path(QStringLiteral("server.key"))));

    QString error;
    QVERIFY2(
        m_server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + path(QStringLiteral("db.sqlite")),
                        QStringLiteral("--tls-cert"), path(QStringLiteral("server.pem")), QStringLiteral("--tls-key"),
                        path(QStringLiteral("server.key")), QStringLiteral("--heartbeat-interval-ms"),
                        QStringLiteral("300"), QStringLiteral("--presence-ttl-ms"), QStringLiteral("1500")},
                       &error),
        qPrintable(error));
    m_alice = std::make_unique<ClientSession>(path(QStringLiteral("alice-profile")));
}

void TestTls::cleanupTestCase()
{
    m_alice.reset();
    m_server.kill();
}

void TestTls::badCertificateIsAStartupError()
{
    // A key that is not the certificate's: said at once, exit status 1, nothing listening.
    ServerProcess server;
    QString error;
    QVERIFY(!server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + path(QStringLiteral("bad.sqlite")),
                           QStringLiteral("--tls-cert"), path(QStringLiteral("first.pem")), QStringLiteral("--tls-key"),
                           path(QStringLiteral("second.key"))},
                          &error));
    QVERIFY2(error.contains(QLatin1String("cannot use the private key")), qPrintable(error));
    QVERIFY(server.waitForExit(5000));
    QCOMPARE(server.exitCode(), 1);
}

void TestTls::onlyTls12And13WithAlpn()
{
    const quint16 port = m_server.port();
    // The client is allowed to try old versions (security level 0); the server refuses them.
    for (const QString &old : {QStringLiteral("-tls1"), QStringLiteral("-tls1_1")}) {
        const Handshake refused =
            handshake(port, {old, QStringLiteral("-cipher"), QStringLiteral("DEFAULT@SECLEVEL=0")});
        QVERIFY2(!refused.finished, qPrintable(refused.output));
        QVERIFY2(refused.output.contains(QLatin1String("protocol version")), qPrintable(refused.output));
    }
    const QStringList strict = {QStringLiteral("-verify_return_error"), QStringLiteral("-alpn"),
                                QStringLiteral("h2,http/1.1")};
    const Handshake tls12 = handshake(port, QStringList{QStringLiteral("-tls1_2")} + strict);
    QVERIFY2(tls12.finished && tls12.verified, qPrintable(tls12.output));
    QCOMPARE(tls12.protocol, QStringLiteral("TLSv1.2"));
    QCOMPARE(tls12.alpn, QStringLiteral("http/1.1"));
    const Handshake tls13 = handshake(port, QStringList{QStringLiteral("-tls1_3")} + strict);
    QVERIFY2(tls13.finished && tls13.verified, qPrintable(tls13.output));
    QCOMPARE(tls13.protocol, QStringLiteral("TLSv1.3"));
    QVERIFY2(tls13.subject.contains(QLatin1String("presently-first")), qPrintable(tls13.subject));
    // ALPN without HTTP/1.1: WebSocket cannot run over it, refused with an alert.
    const Handshake h2only = handshake(port, {QStringLiteral("-alpn"), QStringLiteral("h2")});
    QVERIFY2(!h2only.finished, qPrintable(h2only.output));
    // TLS 1.2 suites without forward secrecy are not offered.
    const Handshake rsaKeyExchange =
        handshake(port, {QStringLiteral("-tls1_2"), QStringLiteral("-cipher"), QStringLiteral("AES128-SHA256")});
    QVERIFY2(!rsaKeyExchange.finished, qPrintable(rsaKeyExchange.output));
}

void TestTls::plainTrafficOnTheTlsPortIsClosed()
{
    // A ws:// client on the wss:// port: its HTTP is not a TLS record; the connection ends at
    // once rather than waiting for the handshake deadline.
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_server.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QVERIFY(QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 5000));
    QVERIFY(!socket.readAll().contains("101"));
}

void TestTls::unknownCaIsRefused()
{
    // Trusting another CA (and the system's) is not trusting ours.
    QString error;
    QVERIFY2(TrustedCertificates::addCaFile(path(QStringLiteral("other-ca.pem")), &error), qPrintable(error));
    QSignalSpy failed(m_alice.get(), &ClientSession::connectionFailed);
    QSignalSpy signedIn(m_alice.get(), &ClientSession::signedIn);
    m_alice->signIn(wssUrl(m_server), QStringLiteral("alice"), kPassword, true);
    QVERIFY(failed.wait(15000));
    QVERIFY2(failed.first().first().toString().contains(QLatin1String("certificate is not trusted")),
             qPrintable(failed.first().first().toString()));
    QCOMPARE(signedIn.count(), 0);
    m_alice->signOut();

    QVERIFY(!TrustedCertificates::addCaFile(path(QStringLiteral("missing.pem")), &error));
    QVERIFY(!TrustedCertificates::addCaFile(path(QStringLiteral("first.ext")), &error)); // no certificate in it
    QVERIFY2(error.contains(QLatin1String("no PEM certificate")), qPrintable(error));
}

void TestTls::clientSignsInOverWss()
{
    QString error;
    QVERIFY2(TrustedCertificates::addCaFile(path(QStringLiteral("ca.pem")), &error), qPrintable(error));
    QSignalSpy signedIn(m_alice.get(), &ClientSession::signedIn);
    m_alice->signIn(wssUrl(m_server), QStringLiteral("alice"), kPassword, true);
    QVERIFY(signedIn.wait(20000) || signedIn.count() == 1);
    QCOMPARE(m_alice->state(), ClientSession::State::Connected);

    // bob, a protocol peer over its own wss:// connection, befriends alice and sends messages of
    // the largest size, then reads them back in one history page: many TLS records each way.
    QVERIFY(m_bob.signIn(wssUrl(m_server), QStringLiteral("bob"), kPassword, true));
    QVERIFY(m_bob.request(
        {{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), QStringLiteral("alice")}}));
    QVERIFY(QTest::qWaitFor([&] { return m_alice->requests() == QStringList{QStringLiteral("bob")}; }, 5000));
    m_alice->acceptContact(QStringLiteral("bob"));
    QVERIFY(QTest::qWaitFor([&] { return m_alice->contacts()->contains(QStringLiteral("bob")); }, 5000));

    QSignalSpy received(m_alice.get(), &ClientSession::messageReceived);
    const int count = 8;
    QList<QJsonObject> sends;
    for (int i = 0; i < count; ++i) {
        // 4,000 characters of three bytes each: 12 KB a frame.
        sends.append({{QStringLiteral("type"), QStringLiteral("send")},
                      {QStringLiteral("id"), i + 100},
                      {QStringLiteral("to"), QStringLiteral("alice")},
                      {QStringLiteral("cid"), QStringLiteral("big-%1").arg(i)},
                      {QStringLiteral("body"), QString(3999, QChar(0x20AC)) + QString::number(i)}});
    }
    m_bob.sendAll(sends);
    for (int i = 0; i < count; ++i)
        QVERIFY(m_bob.waitFor([&](const QJsonObject &m) { return m.value(QStringLiteral("id")).toInt() == i + 100; }));
    QVERIFY(QTest::qWaitFor([&] { return received.count() == count; }, 10000));
    for (int i = 0; i < count; ++i)
        QCOMPARE(received.at(i).first().value<ChatMessage>().body, QString(3999, QChar(0x20AC)) + QString::number(i));
    const auto page = m_bob.request({{QStringLiteral("type"), QStringLiteral("history")},
                                     {QStringLiteral("with"), QStringLiteral("alice")},
                                     {QStringLiteral("limit"), 50}});
    QVERIFY(page);
    QCOMPARE(page->value(QStringLiteral("messages")).toArray().size(), count);
}

void TestTls::sighupRotatesTheCertificateWithSessionsUp()
{
    QVERIFY(m_alice->state() == ClientSession::State::Connected);
    QFile::remove(path(QStringLiteral("server.pem")));
    QFile::remove(path(QStringLiteral("server.key")));
    QVERIFY(QFile::copy(path(QStringLiteral("second.pem")), path(QStringLiteral("server.pem"))));
    QVERIFY(QFile::copy(path(QStringLiteral("second.key")), path(QStringLiteral("server.key"))));
    QCOMPARE(::kill(static_cast<pid_t>(m_server.pid()), SIGHUP), 0);

    QString subject;
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     subject = handshake(m_server.port(), {}).subject;
                     return subject.contains(QLatin1String("presently-second"));
                 },
                 10000),
             qPrintable(subject));
    // Both sessions made with the first certificate are still there: a message goes through.
    QSignalSpy received(m_alice.get(), &ClientSession::messageReceived);
    QVERIFY(m_bob.request({{QStringLiteral("type"), QStringLiteral("send")},
                           {QStringLiteral("to"), QStringLiteral("alice")},
                           {QStringLiteral("cid"), QStringLiteral("after-reload")},
                           {QStringLiteral("body"), QStringLiteral("still here")}}));
    QVERIFY(QTest::qWaitFor([&] { return !received.isEmpty(); }, 5000));
    QCOMPARE(m_alice->state(), ClientSession::State::Connected);
    QVERIFY(m_bob.isConnected());

    // A broken key on the next SIGHUP: said, and the certificate in use stays.
    QFile key(path(QStringLiteral("server.key")));
    QVERIFY(key.open(QIODevice::WriteOnly | QIODevice::Truncate));
    key.write("not a key\n");
    key.close();
    QCOMPARE(::kill(static_cast<pid_t>(m_server.pid()), SIGHUP), 0);
    QVERIFY(QTest::qWaitFor([&] { return m_server.output().contains("the certificate in use stays"); }, 5000));
    const Handshake after = handshake(m_server.port(), {QStringLiteral("-verify_return_error")});
    QVERIFY2(after.finished && after.subject.contains(QLatin1String("presently-second")), qPrintable(after.output));
    TestClient carol;
    QVERIFY(carol.signIn(wssUrl(m_server), QStringLiteral("carol"), kPassword, true));
}

void TestTls::idleSocketsCannotHoldTheHandshakeSlots()
{
    // Two handshake slots, both taken by sockets that connect and say nothing: a real client
    // still gets in, long before the 10 s handshake deadline would free them.
    ServerProcess server;
    QString error;
    QVERIFY2(
        server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + path(QStringLiteral("slots.sqlite")),
                      QStringLiteral("--tls-cert"), path(QStringLiteral("first.pem")), QStringLiteral("--tls-key"),
                      path(QStringLiteral("first.key")), QStringLiteral("--max-tls-handshakes"), QStringLiteral("2")},
                     &error),
        qPrintable(error));
    QTcpSocket idle[2];
    for (QTcpSocket &socket : idle) {
        socket.connectToHost(QStringLiteral("127.0.0.1"), server.port());
        QVERIFY(socket.waitForConnected(5000));
    }
    QElapsedTimer clock;
    clock.start();
    TestClient dave;
    QVERIFY(dave.open(wssUrl(server), 8000));
    const qint64 tookMs = clock.elapsed();
    QVERIFY2(tookMs < 8000, qPrintable(QString::number(tookMs)));
    // An idle socket gave way (the oldest; one accepted a moment later may still be younger
    // than a second when room is made, and then waits for the handshake deadline, as it should).
    const bool idleClosed = QTest::qWaitFor(
        [&] {
            return idle[0].state() == QAbstractSocket::UnconnectedState ||
                   idle[1].state() == QAbstractSocket::UnconnectedState;
        },
        5000);
    QVERIFY2(idleClosed, qPrintable(QStringLiteral("after %1 ms: idle sockets in states %2 and %3")
                                        .arg(tookMs)
                                        .arg(int(idle[0].state()))
                                        .arg(int(idle[1].state()))));
    qInfo("a real client got in after %lld ms with both slots held by idle sockets", tookMs);
}

QTEST_MAIN(TestTls)
#include "TestTls.moc"
