// Presence across gateways when parts fail: a Redis that stops answering (SIGSTOP) signs nobody
// out, and a gateway killed right after acknowledging a frame never has its users announced
// offline before the TTL after that frame. Real redis-server and gateway processes, short timings.
#include "HeartbeatLoop.h"
#include "RedisFixture.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <csignal>
#include <memory>

using namespace TestUsers;

namespace {
constexpr int kTtlMs = 1000;
constexpr int kHeartbeatMs = 400;
constexpr int kTickMs = kTtlMs / 20; // RedisPresenceStore's tick for this TTL
const QString kPassword = QStringLiteral("correct horse");

int count(const TestClient &c, const QString &type)
{
    return static_cast<int>(std::count_if(c.log().cbegin(), c.log().cend(), [&](const TestClient::Received &r) {
        return r.message.value(QStringLiteral("type")).toString() == type;
    }));
}
} // namespace

class TestRedisFailures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void redisStallSignsNobodyOut_data();
    void redisStallSignsNobodyOut();
    void gatewayCrashNeverShowsOfflineEarly();

private:
    ServerProcess *startGateway(const QString &id);
    void signal(int sig);

    RedisFixture m_redis;
    QTemporaryDir m_dir;
    QList<ServerProcess *> m_gateways;
    bool m_stopped = false;
    int m_names = 0;
};

void TestRedisFailures::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
}

void TestRedisFailures::init()
{
    m_redis.command({"FLUSHALL"});
}

void TestRedisFailures::cleanup()
{
    if (m_stopped)
        signal(SIGCONT);    // a failed check must not leave Redis frozen for the next test
    qDeleteAll(m_gateways); // ends each by its PID
    m_gateways.clear();
}

void TestRedisFailures::signal(int sig)
{
    QVERIFY(::kill(static_cast<pid_t>(m_redis.pid()), sig) == 0);
    m_stopped = sig == SIGSTOP;
}

ServerProcess *TestRedisFailures::startGateway(const QString &id)
{
    auto *gw = new ServerProcess;
    m_gateways.append(gw);
    QString error;
    if (!gw->start(ServerProcess::fleetArgs(m_redis.url(), m_dir.filePath(QStringLiteral("shared.sqlite")), kTtlMs,
                                            kHeartbeatMs, id),
                   &error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    return gw;
}

void TestRedisFailures::redisStallSignsNobodyOut_data()
{
    QTest::addColumn<double>("ttls");
    QTest::newRow("0.6 TTL") << 0.6;
    QTest::newRow("1.3 TTL") << 1.3;
    QTest::newRow("3 TTL") << 3.0;
    QTest::newRow("10 TTL") << 10.0;
}

void TestRedisFailures::redisStallSignsNobodyOut()
{
    QFETCH(double, ttls);
    ServerProcess *gw1 = startGateway(QStringLiteral("gw-1"));
    ServerProcess *gw2 = startGateway(QStringLiteral("gw-2"));
    QVERIFY(gw1 && gw2);
    const QString a = QStringLiteral("alice%1").arg(++m_names);
    const QString b = QStringLiteral("bob%1").arg(m_names);
    auto alice = signedIn(gw1->url(), a, kPassword, true);
    auto bob = signedIn(gw2->url(), b, kPassword, true);
    auto alicesLaptop = signedIn(gw2->url(), a, kPassword, false, QStringLiteral("laptop"));
    QVERIFY(alice && bob && alicesLaptop);
    QVERIFY(befriend(*alice, a, *bob, b));
    const QList<TestClient *> clients{alice.get(), bob.get(), alicesLaptop.get()};

    // Every client heartbeats every interval, as a real one does, all through the stall.
    HeartbeatLoop beat;
    beat.start(clients, kHeartbeatMs);
    QTest::qWait(kHeartbeatMs); // steady state: every session has written frames to Redis

    const int stallMs = static_cast<int>(ttls * kTtlMs);
    signal(SIGSTOP);
    QTest::qWait(stallMs / 2);
    // Made while Redis is away: stored in SQL and answered, delivered once Redis is back.
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                    {QStringLiteral("mode"), QStringLiteral("dnd")}}))),
             QStringLiteral("ok"));
    QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("send")},
                                      {QStringLiteral("to"), b},
                                      {QStringLiteral("cid"), QStringLiteral("during-stall")},
                                      {QStringLiteral("body"), QStringLiteral("still there?")}}))),
             QStringLiteral("sent"));
    QTest::qWait(stallMs - stallMs / 2);
    signal(SIGCONT);
    QElapsedTimer resumed;
    resumed.start();

    const auto dnd = alice->waitForPresence(b, QStringLiteral("dnd"), 5000);
    const qint64 statusMs = resumed.elapsed();
    QVERIFY2(dnd, "a status change made during the stall never arrived");
    const auto message = bob->waitFor(
        [](const QJsonObject &o) { return o.value(QStringLiteral("cid")).toString() == QLatin1String("during-stall"); },
        5000);
    const qint64 messageMs = resumed.elapsed();
    QVERIFY2(message, "a message sent during the stall never arrived");
    QCOMPARE(message->value(QStringLiteral("type")).toString(), QStringLiteral("message"));
    qInfo("Redis stalled %d ms (%.1f TTL): status change delivered %lld ms and message %lld ms after the resume",
          stallMs, ttls, statusMs, messageMs);
    QVERIFY2(statusMs < kTtlMs && messageMs < kTtlMs,
             qPrintable(QStringLiteral("delivered %1 / %2 ms after the resume").arg(statusMs).arg(messageMs)));

    // Whatever Redis does with its stale view after the resume, it does within a TTL and a bit.
    QTest::qWait(kTtlMs + 500);
    beat.stop();
    QTest::qWait(200); // the last heartbeats' acks
    for (TestClient *c : clients) {
        QVERIFY2(c->isConnected(),
                 qPrintable(QStringLiteral("closed with %1 %2").arg(c->closeCode()).arg(c->closeReason())));
        QCOMPARE(count(*c, QStringLiteral("heartbeat_ack")), beat.rounds());
    }
    for (const auto &[status, at] : bob->presenceHistory(a))
        QVERIFY2(status == QLatin1String("online"), qPrintable(QStringLiteral("bob saw alice ") + status));
    for (const auto &[status, at] : alice->presenceHistory(b))
        QVERIFY2(status != QLatin1String("offline"), "alice saw bob offline");
    QCOMPARE(m_redis.command({"HGET", QByteArray("pr:v:") + a.toUtf8(), "d"}).string,
             QByteArray(R"(["desktop","laptop"])"));
}

void TestRedisFailures::gatewayCrashNeverShowsOfflineEarly()
{
    ServerProcess *survivor = startGateway(QStringLiteral("gw-survivor"));
    QVERIFY(survivor);
    const QString a = QStringLiteral("alice%1").arg(++m_names);
    const QString b = QStringLiteral("bob%1").arg(m_names);
    auto bob = signedIn(survivor->url(), b, kPassword, true);
    auto first = signedIn(survivor->url(), a, kPassword, true);
    QVERIFY(bob && first);
    QVERIFY(befriend(*first, a, *bob, b));
    const QString token = tokenOf(*first);
    first->closeCleanly();
    QVERIFY(bob->waitForPresence(a, QStringLiteral("offline")));
    HeartbeatLoop bobBeats;
    bobBeats.start({bob.get()}, kHeartbeatMs);

    constexpr int kRuns = 20;
    QList<qint64> offlineAfter;
    for (int run = 0; run < kRuns; ++run) {
        const QString tag = QStringLiteral("run %1: ").arg(run);
        ServerProcess *victim = startGateway(QStringLiteral("gw-victim-%1").arg(run));
        QVERIFY(victim);
        auto alice = signedInByToken(victim->url(), token);
        QVERIFY(alice);
        QVERIFY(bob->waitForPresence(a, QStringLiteral("online")));
        // A few heartbeats at the interval, as a real client sends them; the gateway dies 1-5 ms
        // after acknowledging the last, before its next tick can have written that frame.
        qint64 sentAt = 0;
        qint64 ackedAt = 0;
        for (int beat = 0; beat < 3; ++beat) {
            QTest::qWait(kHeartbeatMs - 20 + QRandomGenerator::global()->bounded(40));
            alice->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
            sentAt = alice->lastSentAtMs();
            QVERIFY(alice->waitForType(QStringLiteral("heartbeat_ack")));
            ackedAt = alice->log().constLast().atMs;
        }
        const qint64 killAt = ackedAt + 1 + QRandomGenerator::global()->bounded(5);
        while (testNowMs() < killAt) {
        }
        victim->kill(); // SIGKILL
        const auto offline = bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 5000);
        QVERIFY2(offline, qPrintable(tag + "never offline"));
        const qint64 after = bob->log().constLast().atMs - ackedAt;
        const qint64 lastSeen = static_cast<qint64>(offline->value(QStringLiteral("last_seen")).toDouble());
        qInfo("run %d: offline %lld ms after the ack, last_seen %+lld ms from the frame", run, after,
              lastSeen - sentAt);
        // The gateway received the frame between sentAt and ackedAt.
        QVERIFY2(after >= kTtlMs, qPrintable(tag + QStringLiteral("offline %1 ms after the acked frame").arg(after)));
        QVERIFY2(after <= kTtlMs + 2000, qPrintable(tag + QStringLiteral("offline only %1 ms after").arg(after)));
        QVERIFY2(lastSeen >= sentAt - kTickMs && lastSeen <= ackedAt + kTickMs,
                 qPrintable(tag + QStringLiteral("last_seen %1 ms from the frame").arg(lastSeen - sentAt)));
        offlineAfter.append(after);
        m_gateways.removeOne(victim);
        delete victim;
    }
    std::sort(offlineAfter.begin(), offlineAfter.end());
    qInfo("gateway SIGKILL 1-5 ms after an ack, %d runs: offline %lld..%lld ms after the acked frame (TTL %d ms)",
          kRuns, offlineAfter.first(), offlineAfter.last(), kTtlMs);
}

QTEST_GUILESS_MAIN(TestRedisFailures)
#include "TestRedisFailures.moc"
