// The fleet, every part real and on loopback, each process started and ended by PID: HAProxy
// (packaging/haproxy/presently.cfg) in front of three gateways, presence in Redis behind
// Sentinel (a primary, a replica, three Sentinels), accounts and messages in PostgreSQL. 300
// clients come in through HAProxy, heartbeat, change status and write to their contact for the
// whole test while it kills -9 a gateway, kills -9 the Redis primary, restarts PostgreSQL and
// reloads HAProxy. Checked: every message stored once and delivered once, each connection's
// messages in mid order; nobody who came back within the TTL shown offline; every client left
// away shown offline within TTL + 2 s; /readyz saying what the gateways could do, /metrics
// counting what they did.
#include "FleetClient.h"
#include "HaproxyProcess.h"
#include "HttpProbe.h"
#include "PostgresProcess.h"
#include "RedisFixture.h"
#include "SentinelProcess.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <array>
#include <csignal>
#include <memory>
#include <vector>

namespace {
const QString kPassword = QStringLiteral("correct horse");
const QString kPackagedConfig = QStringLiteral(QT_TESTCASE_SOURCEDIR "/../packaging/haproxy/presently.cfg");
constexpr int kClients = 300;
constexpr int kGateways = 3;
constexpr int kTtlMs = 3000;
constexpr int kHeartbeatMs = 1000;
constexpr int kLeavers = 10; // clients of the killed gateway that stay away
} // namespace

class TestFleet : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void survivesLosingEachPart();

private:
    bool startRedis(QString *error);
    bool startGateway(int index, QString *error);
    // Polls /readyz of every gateway still running every 200 ms (never blocking the loop).
    void watchReadiness();
    // Runs the event loop (clients heartbeat and write, probes go on) for `ms`.
    static void carryOn(int ms) { QTest::qWait(ms); }
    QList<int> readySince(qint64 sinceMs, int gateway) const;
    // When `gateway`'s /readyz said 200 again after its last other answer since `sinceMs`; -1
    // when it never said anything else (or is not back).
    qint64 readyAfterOutage(int gateway, qint64 sinceMs) const;

    QTemporaryDir m_dir;
    PostgresProcess m_postgres;
    RedisFixture m_primary;
    RedisFixture m_replica;
    std::array<SentinelProcess, 3> m_sentinels;
    std::array<ServerProcess, kGateways> m_gateways;
    std::array<bool, kGateways> m_running{};
    QString m_redisUrl;
    QString m_dbUrl;
    std::vector<std::unique_ptr<FleetClient>> m_clients;
    // /readyz answers: gateway index, when, status.
    struct Readiness {
        int gateway;
        qint64 atMs;
        int status;
    };
    QList<Readiness> m_readiness;
    QTimer m_readinessTimer;
};

bool TestFleet::startRedis(QString *error)
{
    if (!m_primary.start(error) || !m_replica.start(error, {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                                                            QString::number(m_primary.port())}))
        return false;
    if (!QTest::qWaitFor(
            [&] {
                return m_replica.command({"INFO", "replication"}).string.contains("master_link_status:up");
            },
            10000)) {
        *error = QStringLiteral("the replica never caught up");
        return false;
    }
    QStringList hosts;
    for (SentinelProcess &s : m_sentinels) {
        if (!s.start(m_dir.path(), m_primary.port(), error))
            return false;
        hosts << QStringLiteral("127.0.0.1:%1").arg(s.port());
    }
    for (SentinelProcess &s : m_sentinels) {
        if (!QTest::qWaitFor([&] { return s.ask("SENTINEL SENTINELS mymaster") == "*2"; }, 15000) ||
            !QTest::qWaitFor([&] { return s.ask("SENTINEL REPLICAS mymaster") == "*1"; }, 15000)) {
            *error = QStringLiteral("the Sentinels never met");
            return false;
        }
    }
    m_redisUrl = QStringLiteral("redis+sentinel://%1/mymaster/0").arg(hosts.join(QLatin1Char(',')));
    return true;
}

bool TestFleet::startGateway(int index, QString *error)
{
    const QStringList args{
        QStringLiteral("--redis"), m_redisUrl, QStringLiteral("--db"), m_dbUrl, QStringLiteral("--presence-ttl-ms"),
        QString::number(kTtlMs), QStringLiteral("--heartbeat-interval-ms"), QString::number(kHeartbeatMs),
        QStringLiteral("--server-id"), QStringLiteral("gw-%1").arg(index + 1), QStringLiteral("--admin-listen"),
        QStringLiteral("127.0.0.1:0"), QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
        QStringLiteral("--trusted-proxies"), QStringLiteral("127.0.0.1"),
        // Every client comes from 127.0.0.1 through the balancer.
        QStringLiteral("--password-checks-per-address"), QStringLiteral("0"),
        QStringLiteral("--failed-sign-ins-per-address"), QStringLiteral("100000"),
        QStringLiteral("--max-connections-per-address"), QStringLiteral("0")};
    m_running[index] = m_gateways[index].start(args, error);
    return m_running[index];
}

void TestFleet::watchReadiness()
{
    connect(&m_readinessTimer, &QTimer::timeout, this, [this] {
        for (int i = 0; i < kGateways; ++i) {
            if (!m_running[i])
                continue;
            HttpProbe::get(this, m_gateways[i].adminPort(), "/readyz", 1000, [this, i](int status, const QByteArray &) {
                m_readiness.append({i, testNowMs(), status});
            });
        }
    });
    m_readinessTimer.start(200);
}

qint64 TestFleet::readyAfterOutage(int gateway, qint64 sinceMs) const
{
    qint64 lastUnready = -1;
    qint64 readyAgain = -1;
    for (const Readiness &r : m_readiness) {
        if (r.gateway != gateway || r.atMs < sinceMs)
            continue;
        if (r.status != 200) {
            lastUnready = r.atMs;
            readyAgain = -1;
        } else if (lastUnready >= 0 && readyAgain < 0) {
            readyAgain = r.atMs;
        }
    }
    return readyAgain;
}

QList<int> TestFleet::readySince(qint64 sinceMs, int gateway) const
{
    QList<int> statuses;
    for (const Readiness &r : m_readiness) {
        if (r.gateway == gateway && r.atMs >= sinceMs)
            statuses.append(r.status);
    }
    return statuses;
}

void TestFleet::survivesLosingEachPart()
{
    QString error;
    QVERIFY2(m_postgres.start(&error) && m_postgres.createDatabase(QStringLiteral("fleet"), &error), qPrintable(error));
    m_dbUrl = m_postgres.url(QStringLiteral("fleet"));
    QVERIFY2(startRedis(&error), qPrintable(error));
    for (int i = 0; i < kGateways; ++i)
        QVERIFY2(startGateway(i, &error), qPrintable(error));
    const quint16 port = HaproxyProcess::freeLowPort();
    const QString stats = m_dir.filePath(QStringLiteral("haproxy.sock"));
    QList<quint16> ports;
    for (const ServerProcess &gw : m_gateways)
        ports << gw.port();
    HaproxyProcess haproxy;
    QVERIFY2(haproxy.start(m_dir.filePath(QStringLiteral("haproxy.cfg")),
                           HaproxyProcess::packagedConfig(kPackagedConfig, port, ports, stats), port, &error),
             qPrintable(error));
    for (int i = 0; i < kGateways; ++i) {
        const QByteArray server = "gw" + QByteArray::number(i + 1);
        QVERIFY(QTest::qWaitFor([&] { return HaproxyProcess::serverState(stats, "gateways", server) == 2; }, 10000));
    }
    watchReadiness();

    // 300 accounts, made through the balancer four at a time (a password hash each: two per core),
    // then paired: client 2k writes to 2k+1 and back.
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(port));
    QElapsedTimer setUp;
    setUp.start();
    for (int i = 0; i < kClients; ++i) {
        m_clients.push_back(std::make_unique<FleetClient>(url, QStringLiteral("f%1").arg(i, 3, 10, QLatin1Char('0')),
                                                          kPassword, kHeartbeatMs / 2));
    }
    for (int i = 0; i < kClients; ++i)
        m_clients[i]->setPartner(m_clients[i ^ 1]->user());
    int next = 0;
    const auto signedInCount = [&] {
        return std::count_if(m_clients.begin(), m_clients.end(), [](const auto &c) { return c->isSignedIn(); });
    };
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     while (next < kClients && next - signedInCount() < 4)
                         m_clients[next++]->start();
                     return signedInCount() == kClients;
                 },
                 180000),
             qPrintable(QStringLiteral("%1 of %2 signed in").arg(signedInCount()).arg(kClients)));
    for (int i = 0; i < kClients; i += 2)
        m_clients[i]->askPartner();
    QVERIFY(QTest::qWaitFor(
        [&] {
            return std::all_of(m_clients.begin(), m_clients.end(), [](const auto &c) { return c->knowsPartner(); });
        },
        30000));
    QHash<QString, int> perGateway;
    for (const auto &c : m_clients)
        ++perGateway[c->server()];
    qInfo("%d clients signed in and paired in %lld ms; per gateway: gw-1 %d, gw-2 %d, gw-3 %d", kClients,
          setUp.elapsed(), perGateway.value(QStringLiteral("gw-1")), perGateway.value(QStringLiteral("gw-2")),
          perGateway.value(QStringLiteral("gw-3")));

    // The load, for the whole test: every 100 ms 15 messages (150/s) and 2 status changes.
    QTimer load;
    connect(&load, &QTimer::timeout, this, [&] {
        auto *random = QRandomGenerator::global();
        for (int k = 0; k < 15; ++k)
            m_clients[random->bounded(kClients)]->sendMessage();
        for (int k = 0; k < 2; ++k)
            m_clients[random->bounded(kClients)]->setMode(random->bounded(2) ? QStringLiteral("dnd")
                                                                             : QStringLiteral("auto"));
    });
    load.start(100);
    carryOn(3000);

    // 1. kill -9 the Redis primary, 300 sessions on three gateways: Sentinel promotes the replica,
    // the gateways follow.
    const auto signIns = [&] {
        int count = 0;
        for (const auto &c : m_clients)
            count += c->signIns();
        return count;
    };
    const int signInsBeforeFailover = signIns();
    const qint64 redisKilledAt = testNowMs();
    ::kill(static_cast<pid_t>(m_primary.pid()), SIGKILL);
    QVERIFY2(QTest::qWaitFor([&] { return m_replica.command({"ROLE"}).elements.value(0).string == "master"; }, 20000),
             "Sentinel never promoted the replica");
    const qint64 promotedMs = testNowMs() - redisKilledAt;
    // Ready again: the last 3 answers of each gateway 200, all after the promotion.
    const auto readyAgain = [&](qint64 since) {
        for (int i = 0; i < kGateways; ++i) {
            const QList<int> statuses = readySince(since, i);
            if (m_running[i] && (statuses.size() < 3 || statuses.mid(statuses.size() - 3) != QList<int>{200, 200, 200}))
                return false;
        }
        return true;
    };
    const qint64 promotedAt = testNowMs();
    QVERIFY(QTest::qWaitFor([&] { return readyAgain(promotedAt); }, 20000));
    // /readyz told the truth: 503 while their Redis was gone, 200 from when they were back on it.
    qint64 redisRecoveredMs = 0;
    for (int i = 0; i < kGateways; ++i) {
        const qint64 readyAt = readyAfterOutage(i, redisKilledAt);
        QVERIFY2(readyAt > 0, qPrintable(QStringLiteral("gw-%1 said ready with its Redis gone").arg(i + 1)));
        redisRecoveredMs = std::max(redisRecoveredMs, readyAt - redisKilledAt);
    }
    carryOn(2000);
    QCOMPARE(signIns(), signInsBeforeFailover); // nobody was closed
    qInfo("Redis primary killed: replica promoted after %lld ms, every gateway ready on it after %lld ms", promotedMs,
          redisRecoveredMs);

    // 2. kill -9 gw-2. Its clients come back through HAProxy to the others, but for ten whose
    // contact is elsewhere: those stay away, and their contacts must see them offline in time.
    std::vector<FleetClient *> leavers;
    for (int i = 0; i < kClients && int(leavers.size()) < kLeavers; ++i) {
        FleetClient *c = m_clients[i].get();
        if (c->server() == QLatin1String("gw-2") && m_clients[i ^ 1]->server() != QLatin1String("gw-2")) {
            c->setReconnecting(false);
            leavers.push_back(c);
        }
    }
    QVERIFY(!leavers.empty());
    ::kill(static_cast<pid_t>(m_gateways[1].pid()), SIGKILL);
    m_running[1] = false;
    QElapsedTimer sinceKill;
    sinceKill.start();
    const auto backOrLeaving = [&] {
        return std::all_of(m_clients.begin(), m_clients.end(), [&](const auto &c) {
            return c->isSignedIn() || std::find(leavers.begin(), leavers.end(), c.get()) != leavers.end();
        });
    };
    QVERIFY(QTest::qWaitFor([&] { return backOrLeaving() && sinceKill.elapsed() > 500; }, 20000));
    const qint64 allBackMs = sinceKill.elapsed();
    carryOn(kTtlMs + 2500);
    QList<qint64> offlineAfterLastFrame;
    for (FleetClient *leaver : leavers) {
        const int index =
            int(std::find_if(m_clients.begin(), m_clients.end(), [&](const auto &c) { return c.get() == leaver; }) -
                m_clients.begin());
        const FleetClient &watcher = *m_clients[index ^ 1];
        qint64 seenMs = -1;
        for (const auto &[status, atMs] : watcher.partnerPresence()) {
            if (status == QLatin1String("offline") && atMs > leaver->lastFrameSentMs())
                seenMs = seenMs < 0 ? atMs - leaver->lastFrameSentMs() : seenMs;
        }
        offlineAfterLastFrame << seenMs;
        QVERIFY2(
            seenMs >= kTtlMs - 100 && seenMs <= kTtlMs + 2000,
            qPrintable(QStringLiteral("%1 shown offline %2 ms after its last frame").arg(leaver->user()).arg(seenMs)));
    }
    std::sort(offlineAfterLastFrame.begin(), offlineAfterLastFrame.end());
    qInfo("gw-2 killed: everyone else back in %lld ms; the %d who stayed away shown offline %lld..%lld ms after "
          "their last frame (TTL %d ms)",
          allBackMs, int(leavers.size()), offlineAfterLastFrame.first(), offlineAfterLastFrame.last(), kTtlMs);

    // 3. PostgreSQL restarted (4 s down): sends are answered unavailable meanwhile and sent again.
    int unavailableBefore = 0;
    for (const auto &c : m_clients)
        unavailableBefore += c->unavailableAnswers();
    const qint64 postgresDownAt = testNowMs();
    QVERIFY(m_postgres.stop());
    carryOn(4000);
    const qint64 postgresUpAt = testNowMs();
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    const qint64 postgresBack = testNowMs();
    QVERIFY(QTest::qWaitFor([&] { return readyAgain(postgresBack); }, 20000));
    for (int i = 0; i < kGateways; ++i) {
        if (m_running[i])
            QVERIFY2(readyAfterOutage(i, postgresDownAt) > postgresDownAt,
                     qPrintable(QStringLiteral("gw-%1 said ready with its database down").arg(i + 1)));
    }
    int unavailableDuringOutage = -unavailableBefore;
    for (const auto &c : m_clients)
        unavailableDuringOutage += c->unavailableAnswers();
    carryOn(2000);

    // 4. HAProxy reloaded: the old worker keeps its tunnels; nobody is cut off.
    const int signInsBeforeReload = signIns();
    haproxy.reload();
    carryOn(3000);
    QCOMPARE(signIns(), signInsBeforeReload);

    // The end: no new messages; the ten come back and sync; every outbox empties.
    load.stop();
    for (FleetClient *leaver : leavers)
        leaver->start();
    const auto settled = [&] {
        for (int i = 0; i < kClients; ++i) {
            const FleetClient &c = *m_clients[i];
            if (!c.isSignedIn() || c.outboxSize() > 0 || m_clients[i ^ 1]->received().size() < c.acknowledged().size())
                return false;
        }
        return true;
    };
    QVERIFY(QTest::qWaitFor(settled, 30000));

    // Every message: acknowledged once, with one mid, received once by the contact with that mid.
    int sent = 0, acknowledged = 0, delivered = 0, lost = 0, conflicting = 0, outOfOrder = 0, falseOffline = 0;
    qint64 longestGap = 0;
    QHash<QString, int> otherErrors;
    for (int i = 0; i < kClients; ++i) {
        const FleetClient &c = *m_clients[i];
        const FleetClient &partner = *m_clients[i ^ 1];
        sent += c.sentCount();
        acknowledged += int(c.acknowledged().size());
        delivered += int(partner.received().size());
        for (auto it = c.acknowledged().begin(); it != c.acknowledged().end(); ++it) {
            if (partner.received().value(it.key(), -1) != it.value())
                ++lost;
        }
        conflicting += c.conflictingMids();
        outOfOrder += c.orderViolations();
        for (auto it = c.otherErrors().begin(); it != c.otherErrors().end(); ++it)
            otherErrors[it.key()] += it.value();
        // Anyone who was away for less than the TTL (all but the ten) was never shown offline.
        if (std::find(leavers.begin(), leavers.end(), &c) != leavers.end())
            continue;
        for (const auto &[from, to] : c.gaps())
            longestGap = std::max(longestGap, to - from);
        for (const auto &[status, atMs] : partner.partnerPresence()) {
            Q_UNUSED(atMs)
            if (status == QLatin1String("offline"))
                ++falseOffline;
        }
    }
    qInfo("PostgreSQL down for %lld ms: %d sends answered unavailable and sent again", postgresUpAt - postgresDownAt,
          unavailableDuringOutage);
    qInfo("messages: %d sent, %d acknowledged, %d delivered, %d lost, %d with two mids, %d out of order; "
          "false offlines %d; longest time away of a returning client %lld ms",
          sent, acknowledged, delivered, lost, conflicting, outOfOrder, falseOffline, longestGap);
    for (auto it = otherErrors.begin(); it != otherErrors.end(); ++it)
        qInfo("  other requests (status changes, syncs) answered %s %d times", qPrintable(it.key()), it.value());
    QCOMPARE(acknowledged, sent);
    QCOMPARE(delivered, acknowledged);
    QCOMPARE(lost, 0);
    QCOMPARE(conflicting, 0);
    QCOMPARE(outOfOrder, 0);
    QVERIFY2(longestGap < kTtlMs, "a returning client was away longer than the TTL");
    QCOMPARE(falseOffline, 0);

    // /metrics of the two left: what they stored and hold, as the clients saw it.
    double stored = 0;
    double sessions = 0;
    int scrapes = 0;
    for (int i = 0; i < kGateways; ++i) {
        if (!m_running[i])
            continue;
        HttpProbe::get(this, m_gateways[i].adminPort(), "/metrics", 5000, [&](int status, const QByteArray &body) {
            ++scrapes;
            if (status == 200) {
                stored += HttpProbe::series(body, "presently_messages_stored_total");
                sessions += HttpProbe::series(body, "presently_sessions");
            }
        });
    }
    QVERIFY(QTest::qWaitFor([&] { return scrapes == kGateways - 1; }, 10000));
    QCOMPARE(int(sessions), kClients);
    QVERIFY2(stored > 0 && stored <= acknowledged + 0.5,
             qPrintable(
                 QStringLiteral("%1 stored by the two gateways left, %2 acknowledged").arg(stored).arg(acknowledged)));
    m_readinessTimer.stop();
}

QTEST_GUILESS_MAIN(TestFleet)
#include "TestFleet.moc"
