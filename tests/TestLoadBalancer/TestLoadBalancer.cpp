// packaging/haproxy/presently.cfg, as shipped but for its addresses and a shorter check
// interval, in a real haproxy in front of two real gateways sharing a real Redis: the file is
// valid as shipped; WebSocket clients are spread by leastconn with their own addresses passed
// on (PROXY v2); a gateway told to stop is taken out by its /readyz before it closes its clients,
// who come back through the balancer to the other one; a reload keeps the connections.
#include "HaproxyProcess.h"
#include "RedisFixture.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <vector>

using namespace TestUsers;

namespace {
const QString kPassword = QStringLiteral("correct horse");
const QString kPackagedConfig = QStringLiteral(QT_TESTCASE_SOURCEDIR "/../packaging/haproxy/presently.cfg");
constexpr int kDrainMs = 2500;

QString serverOf(const TestClient &client)
{
    return client.log().isEmpty() ? QString() : client.log().first().message.value(QStringLiteral("server")).toString();
}
} // namespace

class TestLoadBalancer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void packagedFileIsValid();
    void spreadsDrainsAndReloads();

private:
    QByteArray config(quint16 listenPort, const QList<quint16> &gateways) const;
    std::unique_ptr<TestClient> signIn(const QString &user, bool create);

    QTemporaryDir m_dir;
    RedisFixture m_redis;
    QString m_stats;
    quint16 m_port = 0;
};

void TestLoadBalancer::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
    m_stats = m_dir.filePath(QStringLiteral("haproxy.sock"));
}

QByteArray TestLoadBalancer::config(quint16 listenPort, const QList<quint16> &gateways) const
{
    return HaproxyProcess::packagedConfig(kPackagedConfig, listenPort, gateways, m_stats);
}

std::unique_ptr<TestClient> TestLoadBalancer::signIn(const QString &user, bool create)
{
    return signedIn(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)), user, kPassword, create);
}

void TestLoadBalancer::packagedFileIsValid()
{
    // As shipped, with a real certificate at the path it names.
    const QString pem = m_dir.filePath(QStringLiteral("presently.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                   QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-subj"), QStringLiteral("/CN=chat.example.com"), QStringLiteral("-days"),
                   QStringLiteral("2"), QStringLiteral("-keyout"), pem, QStringLiteral("-out"),
                   m_dir.filePath(QStringLiteral("cert.pem"))});
    QVERIFY(openssl.waitForFinished(30000) && openssl.exitCode() == 0);
    QFile key(pem);
    QFile cert(m_dir.filePath(QStringLiteral("cert.pem")));
    QVERIFY(key.open(QIODevice::Append) && cert.open(QIODevice::ReadOnly));
    key.write(cert.readAll());
    key.close();
    QFile file(kPackagedConfig);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray shipped = file.readAll();
    shipped.replace("/etc/haproxy/certs/presently.pem", pem.toUtf8());
    QFile copy(m_dir.filePath(QStringLiteral("shipped.cfg")));
    QVERIFY(copy.open(QIODevice::WriteOnly));
    copy.write(shipped);
    copy.close();
    QProcess check;
    check.setProcessChannelMode(QProcess::MergedChannels);
    check.start(QStringLiteral("haproxy"), {QStringLiteral("-c"), QStringLiteral("-f"), copy.fileName()});
    QVERIFY(check.waitForFinished(30000));
    QVERIFY2(check.exitCode() == 0, check.readAll().constData());
}

void TestLoadBalancer::spreadsDrainsAndReloads()
{
    const QString db = QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("fleet.sqlite"));
    ServerProcess gw1;
    ServerProcess gw2;
    QString error;
    for (auto [gw, id] : {std::pair{&gw1, QStringLiteral("gw-1")}, std::pair{&gw2, QStringLiteral("gw-2")}}) {
        QStringList args = ServerProcess::fleetArgs(m_redis.url(), db.mid(7), 30000, 10000, id);
        args << QStringLiteral("--proxy-protocol") << QStringLiteral("v2") << QStringLiteral("--trusted-proxies")
             << QStringLiteral("127.0.0.1") << QStringLiteral("--drain-ms") << QString::number(kDrainMs);
        QVERIFY2(gw->start(args, &error), qPrintable(error));
    }
    m_port = HaproxyProcess::freeLowPort();
    HaproxyProcess haproxy;
    QVERIFY2(haproxy.start(m_dir.filePath(QStringLiteral("haproxy.cfg")), config(m_port, {gw1.port(), gw2.port()}),
                           m_port, &error),
             qPrintable(error));
    QVERIFY(QTest::qWaitFor([&] { return HaproxyProcess::serverState(m_stats, "gateways", "gw1") == 2; }, 5000));
    QVERIFY(QTest::qWaitFor([&] { return HaproxyProcess::serverState(m_stats, "gateways", "gw2") == 2; }, 5000));

    // leastconn: ten clients, five on each.
    std::vector<std::unique_ptr<TestClient>> clients;
    QHash<QString, int> perGateway;
    for (int i = 0; i < 10; ++i) {
        clients.push_back(signIn(QStringLiteral("user%1").arg(i), true));
        QVERIFY(clients.back());
        ++perGateway[serverOf(*clients.back())];
    }
    QCOMPARE(perGateway.value(QStringLiteral("gw-1")), 5);
    QCOMPARE(perGateway.value(QStringLiteral("gw-2")), 5);

    // SIGTERM to gw-1: its /readyz says 503 at once, the balancer takes it out while it still
    // serves its clients, and new clients all go to gw-2.
    gw1.terminate();
    QVERIFY2(QTest::qWaitFor([&] { return HaproxyProcess::serverState(m_stats, "gateways", "gw1") == 0; }, 2000),
             "haproxy never took the draining gateway out");
    for (int i = 0; i < 4; ++i) {
        auto late = signIn(QStringLiteral("late%1").arg(i), true);
        QVERIFY(late);
        QCOMPARE(serverOf(*late), QStringLiteral("gw-2"));
    }
    for (const auto &c : clients) {
        if (serverOf(*c) == QLatin1String("gw-1"))
            QVERIFY2(c->isConnected(), "a client of the draining gateway was dropped before the drain ended");
    }
    // Then gw-1 closes its own with 1001; they come back by token through the balancer, to gw-2.
    for (auto &c : clients) {
        if (serverOf(*c) != QLatin1String("gw-1"))
            continue;
        QVERIFY(c->waitForClosed(kDrainMs + 5000));
        QCOMPARE(c->closeCode(), 1001);
        const QString token = tokenOf(*c);
        c = signedInByToken(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)), token);
        QVERIFY(c);
        QCOMPARE(serverOf(*c), QStringLiteral("gw-2"));
    }
    QVERIFY(gw1.waitForExit(5000));

    // A reload: the new worker takes new clients, the old one keeps the connections it holds.
    haproxy.reload();
    QVERIFY(QTest::qWaitFor([&] { return HaproxyProcess::serverState(m_stats, "gateways", "gw2") == 2; }, 5000));
    auto afterReload = signIn(QStringLiteral("after"), true);
    QVERIFY(afterReload);
    for (const auto &c : clients) {
        QCOMPARE(type(c->request(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}))),
                 QStringLiteral("heartbeat_ack"));
    }
}

QTEST_GUILESS_MAIN(TestLoadBalancer)
#include "TestLoadBalancer.moc"
