// Gateways sharing a real redis-server and one SQLite file, as a fleet runs: presence crosses
// them, a killed gateway's users go offline in time, shutdowns and reconnects show no false
// offline, Redis restarts are survived, and steady heartbeats cost Redis little.
#include "HeartbeatLoop.h"
#include "RedisFixture.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <memory>

using namespace TestUsers;

namespace {
constexpr int kTtlMs = 1500;
constexpr int kHeartbeatMs = 500;
const QString kPassword = QStringLiteral("correct horse");
} // namespace

class TestRedisGateways : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void presenceCrossesGateways();
    void killedGatewayShowsOfflineInTime();
    void reconnectToOtherGatewayShowsNoOffline();
    void shutdownShowsNoOfflineForReconnectingClients();
    void redisRestartIsRepairedWithinHeartbeat();
    void steadyHeartbeatsCostFewRedisCommands();
    void securedRedisWorksAndAWrongPasswordStopsStartup();

private:
    ServerProcess *startGateway(const QString &id, int ttlMs = kTtlMs, const QStringList &extraArgs = {});
    void keepAlive(const QList<TestClient *> &clients);
    QString uniqueName(const char *base);

    RedisFixture m_redis;
    QTemporaryDir m_dir;
    QList<ServerProcess *> m_gateways;
    HeartbeatLoop m_heartbeats;
    QList<TestClient *> m_alive;
    int m_names = 0;
};

void TestRedisGateways::initTestCase()
{
    QString error;
    // Keyspace notifications stay off: expiry must not depend on them.
    QVERIFY2(m_redis.start(&error, {QStringLiteral("--notify-keyspace-events"), QString()}), qPrintable(error));
}

void TestRedisGateways::init()
{
    m_redis.command({"FLUSHALL"});
}

void TestRedisGateways::cleanup()
{
    m_heartbeats.stop();
    m_alive.clear();
    qDeleteAll(m_gateways); // ends each by its PID
    m_gateways.clear();
}

QString TestRedisGateways::uniqueName(const char *base)
{
    return QStringLiteral("%1%2").arg(QLatin1String(base)).arg(++m_names);
}

ServerProcess *TestRedisGateways::startGateway(const QString &id, int ttlMs, const QStringList &extraArgs)
{
    auto *gw = new ServerProcess;
    m_gateways.append(gw);
    QString error;
    if (!gw->start(ServerProcess::fleetArgs(m_redis.url(), m_dir.filePath(QStringLiteral("shared.sqlite")), ttlMs,
                                            kHeartbeatMs, id) +
                       extraArgs,
                   &error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    return gw;
}

void TestRedisGateways::keepAlive(const QList<TestClient *> &clients)
{
    m_alive = clients;
    m_heartbeats.start([this] { return m_alive; }, kHeartbeatMs / 2);
}

void TestRedisGateways::presenceCrossesGateways()
{
    ServerProcess *gw1 = startGateway(QStringLiteral("gw-1"));
    ServerProcess *gw2 = startGateway(QStringLiteral("gw-2"));
    QVERIFY(gw1 && gw2);
    const QString a = uniqueName("alice");
    const QString b = uniqueName("bob");
    auto alice = signedIn(gw1->url(), a, kPassword, true);
    auto bob = signedIn(gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    keepAlive({alice.get(), bob.get()});
    QVERIFY(befriend(*alice, a, *bob, b)); // contact events cross gateways too
    QCOMPARE(bob->presenceHistory(a).constLast().first, QStringLiteral("online"));
    QCOMPARE(alice->presenceHistory(b).constLast().first, QStringLiteral("online"));

    alice->send(obj(
        {{QStringLiteral("type"), QStringLiteral("heartbeat")}, {QStringLiteral("status"), QStringLiteral("idle")}}));
    QVERIFY(bob->waitForPresence(a, QStringLiteral("idle")));
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                    {QStringLiteral("mode"), QStringLiteral("dnd")},
                                    {QStringLiteral("text"), QStringLiteral("busy")}}))),
             QStringLiteral("ok"));
    const auto dnd = alice->waitForPresence(b, QStringLiteral("dnd"));
    QVERIFY(dnd);
    QCOMPARE(dnd->value(QStringLiteral("text")).toString(), QStringLiteral("busy"));

    // A second device of alice on the other gateway.
    auto laptop = signedIn(gw2->url(), a, kPassword, false);
    QVERIFY(laptop);
    const auto online = bob->waitForPresence(a, QStringLiteral("online"));
    QVERIFY(online);
    QCOMPARE(online->value(QStringLiteral("devices")).toArray(), QJsonArray{QStringLiteral("desktop")});

    const qint64 byeAt = testNowMs();
    alice->send(obj({{QStringLiteral("type"), QStringLiteral("bye")}}));
    laptop->send(obj({{QStringLiteral("type"), QStringLiteral("bye")}}));
    QVERIFY(bob->waitForPresence(a, QStringLiteral("offline")));
    const qint64 latency = bob->log().constLast().atMs - byeAt;
    QVERIFY2(latency < 1000, qPrintable(QStringLiteral("clean offline across gateways took %1 ms").arg(latency)));
    qInfo("clean disconnect to offline across gateways: %lld ms", latency);

    // Only gateways with watchers subscribe to a user's presence.
    const QByteArray bobChannel = QByteArray("pr:c:") + b.toUtf8();
    QCOMPARE(m_redis.command({"PUBSUB", "NUMSUB", QByteArray("pr:c:") + a.toUtf8()}).elements.value(1).integer,
             qint64(1));
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     return m_redis.command({"PUBSUB", "NUMSUB", bobChannel}).elements.value(1).integer == 0;
                 },
                 5000),
             "gateways kept subscribing to bob's presence after his only watcher left");
}

void TestRedisGateways::killedGatewayShowsOfflineInTime()
{
    ServerProcess *victim = startGateway(QStringLiteral("gw-victim"));
    ServerProcess *survivor = startGateway(QStringLiteral("gw-survivor"));
    QVERIFY(victim && survivor);
    const QString a = uniqueName("carol");
    const QString b = uniqueName("dave");
    auto alice = signedIn(victim->url(), a, kPassword, true);
    auto bob = signedIn(survivor->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    // Both stay alive while Redis is seeded (that can take longer than the TTL on a loaded machine).
    keepAlive({alice.get(), bob.get()});

    // 100,000 other live sessions in Redis (of a gateway far away): the sweep must not slow down.
    // Seeded in short scripts, so Redis never blocks the gateways (or our 2 s client timeout) for long.
    constexpr int kSeeded = 100000;
    constexpr int kPerScript = 5000;
    const QByteArray seedScript = R"LUA(
local t = redis.call('TIME')
local future = tonumber(t[1]) * 1000 + 3600000
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local sid = 's-seed-' .. i
  redis.call('HSET', 'pr:s:' .. sid, 'u', 'seed' .. i, 'd', 'bot', 'a', 'active', 'g', 'gw-elsewhere')
  redis.call('SADD', 'pr:us:seed' .. i, sid)
  redis.call('ZADD', 'pr:lf', future, sid)
end
return redis.call('ZCARD', 'pr:lf')
)LUA";
    for (int first = 1; first <= kSeeded; first += kPerScript) {
        const presently::RedisReply seeded = m_redis.command(
            {"EVAL", seedScript, "0", QByteArray::number(first), QByteArray::number(first + kPerScript - 1)});
        QVERIFY2(seeded.type == presently::RedisReply::Type::Integer, seeded.string.constData());
        QCoreApplication::processEvents(); // heartbeats go out between scripts
    }
    QVERIFY(m_redis.command({"ZCARD", "pr:lf"}).integer >= kSeeded);

    keepAlive({bob.get()});
    alice->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(alice->waitForType(QStringLiteral("heartbeat_ack")));
    const qint64 lastFrame = alice->lastSentAtMs();
    // The victim writes last frame times in batches: wait until Redis holds this one.
    const QByteArray sid = sessionOf(*alice).toUtf8();
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_redis.command({"ZSCORE", "pr:lf", sid}).string.toLongLong() >= lastFrame - 5;
        },
        5000));

    victim->kill(); // SIGKILL: no goodbye from the gateway
    const auto offline = bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 5000);
    QVERIFY(offline);
    const qint64 after = bob->log().constLast().atMs - lastFrame;
    QVERIFY2(after >= kTtlMs && after <= kTtlMs + 2000,
             qPrintable(QStringLiteral("offline %1 ms after the last frame (TTL %2)").arg(after).arg(kTtlMs)));
    QVERIFY(qAbs(offline->value(QStringLiteral("last_seen")).toDouble() - lastFrame) < 200);
    qInfo("gateway SIGKILL with 100k live sessions in Redis: offline %lld ms after the last frame (TTL %d ms)", after,
          kTtlMs);
}

void TestRedisGateways::reconnectToOtherGatewayShowsNoOffline()
{
    ServerProcess *gw1 = startGateway(QStringLiteral("gw-a"));
    ServerProcess *gw2 = startGateway(QStringLiteral("gw-b"));
    QVERIFY(gw1 && gw2);
    const QString a = uniqueName("erin");
    const QString b = uniqueName("fred");
    auto alice = signedIn(gw1->url(), a, kPassword, true);
    auto bob = signedIn(gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));

    const QString token = tokenOf(*alice);
    alice->dropUncleanly();
    alice = signedInByToken(gw2->url(), token);
    QVERIFY(alice);
    keepAlive({alice.get(), bob.get()});
    // The dropped session runs out its TTL on gw1 meanwhile.
    QVERIFY(!bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 2000));
    for (const auto &[status, at] : bob->presenceHistory(a))
        QVERIFY2(status == QLatin1String("online"), qPrintable(status));
}

void TestRedisGateways::shutdownShowsNoOfflineForReconnectingClients()
{
    ServerProcess *leaving = startGateway(QStringLiteral("gw-leaving"));
    ServerProcess *staying = startGateway(QStringLiteral("gw-staying"));
    QVERIFY(leaving && staying);
    const QString a = uniqueName("gina");
    const QString b = uniqueName("hank");
    auto alice = signedIn(leaving->url(), a, kPassword, true);
    auto bob = signedIn(staying->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    keepAlive({bob.get()});

    const QString token = tokenOf(*alice);
    leaving->terminate(); // SIGTERM
    QVERIFY(alice->waitForClosed());
    QCOMPARE(alice->closeCode(), 1001);
    QVERIFY(leaving->waitForExit(10000));
    QCOMPARE(leaving->exitCode(), 0);
    alice = signedInByToken(staying->url(), token);
    QVERIFY(alice);
    keepAlive({alice.get(), bob.get()});
    QVERIFY(!bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 2000));
    for (const auto &[status, at] : bob->presenceHistory(a))
        QVERIFY2(status == QLatin1String("online"), qPrintable(status));

    // Whoever does not come back is taken by the TTL.
    const qint64 goneAt = alice->lastSentAtMs();
    m_alive = {bob.get()};
    alice->dropUncleanly();
    QVERIFY(bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 5000));
    const qint64 after = bob->log().constLast().atMs - goneAt;
    QVERIFY2(after >= kTtlMs && after <= kTtlMs + 2000,
             qPrintable(QStringLiteral("offline %1 ms after the last frame (TTL %2)").arg(after).arg(kTtlMs)));
    qInfo("unclean drop on a Redis gateway: offline %lld ms after the last frame (TTL %d ms)", after, kTtlMs);
}

void TestRedisGateways::redisRestartIsRepairedWithinHeartbeat()
{
    ServerProcess *gw1 = startGateway(QStringLiteral("gw-r1"));
    ServerProcess *gw2 = startGateway(QStringLiteral("gw-r2"));
    QVERIFY(gw1 && gw2);
    const QString a = uniqueName("ivan");
    const QString b = uniqueName("jane");
    auto alice = signedIn(gw1->url(), a, kPassword, true);
    auto bob = signedIn(gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    keepAlive({alice.get(), bob.get()});

    QString error;
    QVERIFY2(m_redis.restart(&error), qPrintable(error)); // a fresh, empty Redis
    const qint64 backAt = testNowMs();
    const QByteArray aliceState = QByteArray("pr:v:") + a.toUtf8();
    const QByteArray bobState = QByteArray("pr:v:") + b.toUtf8();
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_redis.command({"HGET", aliceState, "s"}).string == "online" &&
                   m_redis.command({"HGET", bobState, "s"}).string == "online";
        },
        10000));
    const qint64 repaired = testNowMs() - backAt;
    qInfo("Redis restart: presence re-asserted %lld ms after Redis was back (heartbeat interval %d ms)", repaired,
          kHeartbeatMs);
    QVERIFY2(repaired <= kHeartbeatMs, qPrintable(QStringLiteral("re-asserted after %1 ms").arg(repaired)));

    // Fan-out works again both ways.
    alice->send(obj(
        {{QStringLiteral("type"), QStringLiteral("heartbeat")}, {QStringLiteral("status"), QStringLiteral("idle")}}));
    QVERIFY(bob->waitForPresence(a, QStringLiteral("idle")));
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                    {QStringLiteral("mode"), QStringLiteral("dnd")}}))),
             QStringLiteral("ok"));
    QVERIFY(alice->waitForPresence(b, QStringLiteral("dnd")));
    // And nobody was shown offline.
    for (const auto &[status, at] : bob->presenceHistory(a))
        QVERIFY2(status != QLatin1String("offline"), "Redis restart showed a live user offline");

    // Flushed without a restart (no reconnect to notice): the lapsed lease tells the gateways.
    m_redis.command({"FLUSHALL"});
    const qint64 flushedAt = testNowMs();
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_redis.command({"HGET", aliceState, "s"}).string == "idle" &&
                   m_redis.command({"HGET", bobState, "s"}).string == "dnd";
        },
        10000));
    const qint64 reasserted = testNowMs() - flushedAt;
    qInfo("Redis FLUSHALL: presence re-asserted after %lld ms (heartbeat interval %d ms)", reasserted, kHeartbeatMs);
    QVERIFY2(reasserted <= kHeartbeatMs, qPrintable(QStringLiteral("re-asserted after %1 ms").arg(reasserted)));
    for (const auto &[status, at] : bob->presenceHistory(a))
        QVERIFY2(status != QLatin1String("offline"), "a Redis flush showed a live user offline");
}

void TestRedisGateways::steadyHeartbeatsCostFewRedisCommands()
{
    // 40 sessions of one user (tabs): over the default per-user cap, so no cap here.
    ServerProcess *gw = startGateway(QStringLiteral("gw-count"), 3000,
                                     {QStringLiteral("--max-sessions-per-user"), QStringLiteral("0")});
    QVERIFY(gw);
    const QString a = uniqueName("kate");
    auto first = signedIn(gw->url(), a, kPassword, true);
    QVERIFY(first);
    std::vector<std::unique_ptr<TestClient>> sessions;
    QList<TestClient *> all{first.get()};
    for (int i = 0; i < 39; ++i) {
        sessions.push_back(signedInByToken(gw->url(), tokenOf(*first)));
        QVERIFY(sessions.back());
        all.append(sessions.back().get());
    }
    // Steady state: every session heartbeats every 100 ms.
    QTimer beat;
    connect(&beat, &QTimer::timeout, this, [&] {
        for (TestClient *c : std::as_const(all))
            c->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    });
    beat.start(100);
    QVERIFY(QTest::qWaitFor([&] { return all.first()->waitForType(QStringLiteral("heartbeat_ack"), 0).has_value(); },
                            2000));

    auto acks = [&] {
        int n = 0;
        for (TestClient *c : std::as_const(all)) {
            for (const auto &r : c->log())
                n += r.message.value(QStringLiteral("type")).toString() == QLatin1String("heartbeat_ack");
        }
        return n;
    };
    const int acksBefore = acks();
    const qint64 commandsBefore = m_redis.totalCommandCalls();
    QVERIFY(QTest::qWaitFor([&] { return acks() - acksBefore >= 800; }, 20000));
    const qint64 commands = m_redis.totalCommandCalls() - commandsBefore - 1; // minus this INFO
    const int heartbeats = acks() - acksBefore;
    const double perHeartbeat = static_cast<double>(commands) / heartbeats;
    qInfo("Redis commands per steady heartbeat: %.4f (%lld commands for %d heartbeats)", perHeartbeat, commands,
          heartbeats);
    QVERIFY2(perHeartbeat < 0.2, qPrintable(QString::number(perHeartbeat)));
}

void TestRedisGateways::securedRedisWorksAndAWrongPasswordStopsStartup()
{
    RedisFixture secured;
    QString error;
    QVERIFY2(secured.startSecured(&error), qPrintable(error));
    const QString database = m_dir.filePath(QStringLiteral("secured.sqlite"));
    // A gateway of this fleet that signs in to Redis with `credentials` (what goes before the @).
    const auto gatewayArgs = [&](const QString &id, const QString &credentials) {
        return ServerProcess::fleetArgs(
            QStringLiteral("redis://%1@127.0.0.1:%2/0").arg(credentials).arg(secured.port()), database, kTtlMs,
            kHeartbeatMs, id);
    };
    const QString asAclUser =
        QStringLiteral("%1:%2").arg(QLatin1String(RedisFixture::kUser), QLatin1String(RedisFixture::kUserPassword));
    // An ACL user on two gateways: sign-in, contact events and presence cross them through Redis.
    ServerProcess gw1, gw2;
    QVERIFY2(gw1.start(gatewayArgs(QStringLiteral("gw-a"), asAclUser), &error), qPrintable(error));
    QVERIFY2(gw2.start(gatewayArgs(QStringLiteral("gw-b"), asAclUser), &error), qPrintable(error));
    const QString a = uniqueName("alice");
    const QString b = uniqueName("bob");
    auto alice = signedIn(gw1.url(), a, kPassword, true);
    auto bob = signedIn(gw2.url(), b, kPassword, true);
    QVERIFY(alice && bob);
    keepAlive({alice.get(), bob.get()});
    QVERIFY(befriend(*alice, a, *bob, b));
    QCOMPARE(bob->presenceHistory(a).constLast().first, QStringLiteral("online"));
    QCOMPARE(secured.command({"PING"}).type, presently::RedisReply::Type::Status); // the fixture is let in too

    // A wrong password: a clear start-up error and a non-zero exit, never a printed "listening"
    // and an endless reconnect loop; the password is not in what it prints.
    ServerProcess wrong;
    QVERIFY(!wrong.start(gatewayArgs(QStringLiteral("gw-c"), QStringLiteral("Zebra-42")), &error));
    QVERIFY(wrong.waitForExit(5000));
    QVERIFY(wrong.exitCode() != 0);
    QVERIFY2(error.contains(QStringLiteral("refused the credentials")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("Zebra")), qPrintable(error));
    m_heartbeats.stop();
}

QTEST_GUILESS_MAIN(TestRedisGateways)
#include "TestRedisGateways.moc"
