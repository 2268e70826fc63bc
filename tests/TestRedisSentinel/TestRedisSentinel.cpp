// Redis that survives losing its primary: a primary, a replica and three redis-sentinel
// processes on loopback ports (each started and ended by PID), two gateways finding the primary
// through --redis redis+sentinel://. The primary is killed with SIGKILL while clients on both
// gateways heartbeat; Sentinel promotes the replica, the gateways follow +switch-master and
// re-assert their sessions there: nobody is closed, nobody is shown offline, messages flow.
#include "HaproxyProcess.h"
#include "HeartbeatLoop.h"
#include "RedisFixture.h"
#include "SentinelProcess.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <memory>

using namespace TestUsers;

namespace {
const QString kPassword = QStringLiteral("correct horse");
constexpr int kTtlMs = 3000;
constexpr int kHeartbeatMs = 1000;
} // namespace

class TestRedisSentinel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void primaryLostWithoutAnyoneNoticing();
};

void TestRedisSentinel::primaryLostWithoutAnyoneNoticing()
{
    QTemporaryDir dir;
    QString error;
    RedisFixture primary;
    QVERIFY2(primary.start(&error), qPrintable(error));
    RedisFixture replica;
    QVERIFY2(replica.start(
                 &error, {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"), QString::number(primary.port())}),
             qPrintable(error));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return replica.command({"INFO", "replication"}).string.contains("master_link_status:up");
        },
        10000));
    SentinelProcess sentinels[3];
    QStringList hosts;
    for (SentinelProcess &s : sentinels) {
        QVERIFY2(s.start(dir.path(), primary.port(), &error), qPrintable(error));
        hosts << QStringLiteral("127.0.0.1:%1").arg(s.port());
    }
    // Each Sentinel knows the replica and the two others (they meet over the primary's pub/sub).
    for (SentinelProcess &s : sentinels) {
        QVERIFY(QTest::qWaitFor([&] { return s.ask("SENTINEL SENTINELS mymaster") == "*2"; }, 15000));
        QVERIFY(QTest::qWaitFor([&] { return s.ask("SENTINEL REPLICAS mymaster") == "*1"; }, 15000));
    }

    const QString url = QStringLiteral("redis+sentinel://%1/mymaster/0").arg(hosts.join(QLatin1Char(',')));
    const QString db = dir.filePath(QStringLiteral("fleet.sqlite"));
    ServerProcess gw1;
    ServerProcess gw2;
    for (auto [gw, id] : {std::pair{&gw1, QStringLiteral("gw-1")}, std::pair{&gw2, QStringLiteral("gw-2")}}) {
        QStringList args = ServerProcess::fleetArgs(url, db, kTtlMs, kHeartbeatMs, id);
        args << QStringLiteral("--admin-listen") << QStringLiteral("127.0.0.1:0");
        QVERIFY2(gw->start(args, &error), qPrintable(error));
    }
    auto alice = signedIn(gw1.url(), QStringLiteral("alice"), kPassword, true);
    auto bob = signedIn(gw2.url(), QStringLiteral("bob"), kPassword, true);
    QVERIFY(alice && bob);
    HeartbeatLoop heartbeats;
    heartbeats.start(QList<TestClient *>{alice.get(), bob.get()}, kHeartbeatMs / 2);
    QVERIFY(befriend(*alice, QStringLiteral("alice"), *bob, QStringLiteral("bob")));
    const qsizetype before = alice->presenceHistory(QStringLiteral("bob")).size();

    // SIGKILL to the primary, as a crashed machine; Sentinel promotes the replica.
    QElapsedTimer sinceKill;
    sinceKill.start();
    ::kill(static_cast<pid_t>(primary.pid()), SIGKILL);
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     return sentinels[0].ask("SENTINEL GET-MASTER-ADDR-BY-NAME mymaster") == "*2" &&
                            replica.command({"ROLE"}).elements.value(0).string == "master";
                 },
                 20000),
             "Sentinel never promoted the replica");
    const qint64 promotedMs = sinceKill.elapsed();
    // Both gateways ready again: connected to the new primary, sessions re-asserted.
    for (ServerProcess *gw : {&gw1, &gw2}) {
        QVERIFY(QTest::qWaitFor(
            [&] {
                QTcpSocket socket;
                socket.connectToHost(QStringLiteral("127.0.0.1"), gw->adminPort());
                if (!socket.waitForConnected(500))
                    return false;
                socket.write("GET /readyz HTTP/1.0\r\n\r\n");
                QByteArray answer;
                while (socket.waitForReadyRead(500))
                    answer += socket.readAll();
                return answer.startsWith("HTTP/1.1 200");
            },
            15000));
    }
    const qint64 recoveredMs = sinceKill.elapsed();
    qInfo("replica promoted %lld ms after the kill; both gateways ready on it after %lld ms", promotedMs, recoveredMs);
    // Redis holds the sessions again: a new status goes through it to the other gateway.
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                    {QStringLiteral("mode"), QStringLiteral("dnd")}}))),
             QStringLiteral("ok"));
    QVERIFY(alice->waitForPresence(QStringLiteral("bob"), QStringLiteral("dnd"), 10000));
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("send")},
                                    {QStringLiteral("to"), QStringLiteral("alice")},
                                    {QStringLiteral("cid"), QStringLiteral("after-failover")},
                                    {QStringLiteral("body"), QStringLiteral("still here")}}))),
             QStringLiteral("sent"));
    QVERIFY(alice->waitForType(QStringLiteral("message")));
    // Through it all: nobody closed, bob never shown offline to alice.
    QVERIFY(alice->isConnected() && bob->isConnected());
    const auto history = alice->presenceHistory(QStringLiteral("bob"));
    for (qsizetype i = before; i < history.size(); ++i)
        QVERIFY2(history.at(i).first != QLatin1String("offline"), "bob was shown offline during the failover");
}

QTEST_GUILESS_MAIN(TestRedisSentinel)
#include "TestRedisSentinel.moc"
