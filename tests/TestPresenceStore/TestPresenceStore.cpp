// One contract for both presence stores: the embedded one and the Redis one (against a real
// redis-server started by the fixture). Every test runs once per backend.
#include "RedisFixture.h"
#include "base/Clock.h"
#include "presence/EmbeddedPresenceStore.h"
#include "presence/RedisPresenceStore.h"
#include "redis/RedisLink.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <memory>

using namespace presently;

namespace {
struct Seen {
    PresenceEntry entry;
    qint64 atMs;
};
} // namespace

class TestPresenceStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void cleanEndShowsOfflineAtOnce_data() { backends(); }
    void cleanEndShowsOfflineAtOnce();
    void aggregatesSessions_data() { backends(); }
    void aggregatesSessions();
    void modesAndText_data() { backends(); }
    void modesAndText();
    void pushesOnlyVisibleChanges_data() { backends(); }
    void pushesOnlyVisibleChanges();
    void expiresAfterTtl_data() { backends(); }
    void expiresAfterTtl();
    void framesKeepSessionAlive_data() { backends(); }
    void framesKeepSessionAlive();
    void fetchReportsCurrentState_data() { backends(); }
    void fetchReportsCurrentState();

private:
    void backends();
    PresenceStore *makeStore(int ttlMs);
    std::optional<Seen> waitFor(const QString &user, Status status, int timeoutMs = 5000);
    static SessionStart session(const QString &id, const QString &user, const QString &device);

    RedisFixture m_redis;
    std::unique_ptr<RedisLink> m_link; // declared first: outlives the store that uses it
    std::unique_ptr<PresenceStore> m_store;
    QList<Seen> m_seen;
    int m_storeCount = 0;
};

void TestPresenceStore::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
}

void TestPresenceStore::cleanup()
{
    m_store.reset();
    m_seen.clear();
}

void TestPresenceStore::backends()
{
    QTest::addColumn<bool>("redis");
    QTest::newRow("embedded") << false;
    QTest::newRow("redis") << true;
}

PresenceStore *TestPresenceStore::makeStore(int ttlMs)
{
    QFETCH(bool, redis);
    if (redis) {
        m_redis.command({"FLUSHALL"});
        RedisAddress address;
        address.port = m_redis.port();
        m_store.reset(); // before the link it uses
        m_link = std::make_unique<RedisLink>(address);
        m_store = std::make_unique<RedisPresenceStore>(m_link.get(), QStringLiteral("gw-test-%1").arg(++m_storeCount),
                                                       ttlMs, ttlMs / 3);
    } else {
        m_store = std::make_unique<EmbeddedPresenceStore>(ttlMs);
    }
    connect(m_store.get(), &PresenceStore::presenceChanged, this, [this](const PresenceEntry &e) {
        m_seen.append({e, Clock::nowMs()});
    });
    m_store->start();
    for (const char *user : {"alice", "bob"})
        m_store->watch(QString::fromLatin1(user));
    if (!QTest::qWaitFor([this] { return m_store->isAvailable(); }, 5000))
        return nullptr;
    // Subscriptions are in place once a change made after them arrives (pub/sub runs on its
    // own connection, so the first changes may pass before it subscribed).
    m_store->setMode(QStringLiteral("bob"), {Mode::Auto, QStringLiteral("ready")});
    bool probed = false;
    for (int attempt = 0; attempt < 50 && !probed; ++attempt) {
        m_store->startSession(session(QStringLiteral("s-probe"), QStringLiteral("bob"), QStringLiteral("probe")));
        m_store->endSession(QStringLiteral("s-probe"));
        probed = waitFor(QStringLiteral("bob"), Status::Offline, 100).has_value();
    }
    if (!probed)
        return nullptr;
    m_seen.clear();
    return m_store.get();
}

SessionStart TestPresenceStore::session(const QString &id, const QString &user, const QString &device)
{
    SessionStart s;
    s.sessionId = id;
    s.user = user;
    s.device = device;
    return s;
}

std::optional<Seen> TestPresenceStore::waitFor(const QString &user, Status status, int timeoutMs)
{
    std::optional<Seen> found;
    [[maybe_unused]] const bool done = QTest::qWaitFor(
        [&] {
            for (qsizetype i = 0; i < m_seen.size(); ++i) {
                if (m_seen[i].entry.presence.user == user && m_seen[i].entry.presence.status == status) {
                    found = m_seen.takeAt(i);
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
    return found;
}

void TestPresenceStore::cleanEndShowsOfflineAtOnce()
{
    PresenceStore *store = makeStore(30000);
    QVERIFY(store);
    const qint64 before = store->nowMs();
    store->startSession(session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("desktop")));
    const std::optional<Seen> online = waitFor(QStringLiteral("alice"), Status::Online);
    QVERIFY(online);
    QCOMPARE(online->entry.presence.devices, QStringList{QStringLiteral("desktop")});
    QVERIFY(online->entry.presence.since >= before - 50);

    const qint64 endAt = Clock::nowMs();
    store->endSession(QStringLiteral("s1"));
    const std::optional<Seen> offline = waitFor(QStringLiteral("alice"), Status::Offline);
    QVERIFY(offline);
    QVERIFY2(offline->atMs - endAt < 1000, "clean end must show offline in under 1 s");
    QVERIFY(offline->entry.presence.devices.isEmpty());
    QVERIFY(offline->entry.presence.text.isEmpty());
    QVERIFY(qAbs(offline->entry.presence.lastSeen - store->nowMs()) < 1000);
    QVERIFY(offline->entry.presence.since >= online->entry.presence.since);
    QVERIFY(offline->entry.version > online->entry.version);
}

void TestPresenceStore::aggregatesSessions()
{
    PresenceStore *store = makeStore(30000);
    QVERIFY(store);
    store->startSession(session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("laptop")));
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Online));
    store->startSession(session(QStringLiteral("s2"), QStringLiteral("alice"), QStringLiteral("desktop")));
    store->startSession(session(QStringLiteral("s3"), QStringLiteral("alice"), QStringLiteral("desktop")));
    store->setActivity(QStringLiteral("s1"), Activity::Idle);
    store->setActivity(QStringLiteral("s2"), Activity::Idle);
    store->setActivity(QStringLiteral("s3"), Activity::Idle);
    const std::optional<Seen> idle = waitFor(QStringLiteral("alice"), Status::Idle);
    QVERIFY(idle);
    QCOMPARE(idle->entry.presence.devices, (QStringList{QStringLiteral("desktop"), QStringLiteral("laptop")}));

    store->setActivity(QStringLiteral("s2"), Activity::Active);
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Online));
    store->endSession(QStringLiteral("s2"));
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Idle));
    store->endSession(QStringLiteral("s1"));
    store->endSession(QStringLiteral("s3"));
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Offline));
}

void TestPresenceStore::modesAndText()
{
    PresenceStore *store = makeStore(30000);
    QVERIFY(store);
    store->startSession(session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("desktop")));
    const std::optional<Seen> online = waitFor(QStringLiteral("alice"), Status::Online);
    QVERIFY(online);

    store->setMode(QStringLiteral("alice"), {Mode::Dnd, QStringLiteral("in a meeting")});
    const std::optional<Seen> dnd = waitFor(QStringLiteral("alice"), Status::Dnd);
    QVERIFY(dnd);
    QCOMPARE(dnd->entry.presence.text, QStringLiteral("in a meeting"));

    store->setMode(QStringLiteral("alice"), {Mode::Dnd, QStringLiteral("still busy")});
    const std::optional<Seen> text = waitFor(QStringLiteral("alice"), Status::Dnd);
    QVERIFY(text);
    QCOMPARE(text->entry.presence.text, QStringLiteral("still busy"));
    QCOMPARE(text->entry.presence.since, dnd->entry.presence.since); // text does not move since

    const qint64 goneAt = store->nowMs();
    store->setMode(QStringLiteral("alice"), {Mode::Invisible, QStringLiteral("still busy")});
    const std::optional<Seen> invisible = waitFor(QStringLiteral("alice"), Status::Offline);
    QVERIFY(invisible);
    QVERIFY(invisible->entry.presence.text.isEmpty());
    QVERIFY(invisible->entry.presence.devices.isEmpty());
    QVERIFY(qAbs(invisible->entry.presence.lastSeen - goneAt) < 1000);

    store->setMode(QStringLiteral("alice"), {Mode::Auto, QString()});
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Online));
}

void TestPresenceStore::pushesOnlyVisibleChanges()
{
    PresenceStore *store = makeStore(30000);
    QVERIFY(store);
    store->startSession(session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("desktop")));
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Online));
    for (int i = 0; i < 20; ++i)
        store->touchSession(QStringLiteral("s1"));
    store->setActivity(QStringLiteral("s1"), Activity::Active);
    store->setMode(QStringLiteral("alice"), {Mode::Auto, QString()});
    // Changes are delivered in order: once bob's change is here, anything of alice's would be.
    store->startSession(session(QStringLiteral("s2"), QStringLiteral("bob"), QStringLiteral("desktop")));
    QVERIFY(waitFor(QStringLiteral("bob"), Status::Online));
    for (const Seen &s : std::as_const(m_seen))
        QVERIFY2(s.entry.presence.user != QLatin1String("alice"), "a change that changes nothing was pushed");
}

void TestPresenceStore::expiresAfterTtl()
{
    const int ttl = 400;
    PresenceStore *store = makeStore(ttl);
    QVERIFY(store);
    QSignalSpy expired(store, &PresenceStore::sessionExpired);
    const qint64 startedAt = Clock::nowMs();
    const qint64 startedStoreMs = store->nowMs();
    store->startSession(session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("desktop")));
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Online));
    const std::optional<Seen> offline = waitFor(QStringLiteral("alice"), Status::Offline, ttl + 5000);
    QVERIFY(offline);
    const qint64 after = offline->atMs - startedAt;
    QVERIFY2(after >= ttl, qPrintable(QStringLiteral("offline after %1 ms, TTL %2").arg(after).arg(ttl)));
    QVERIFY2(after <= ttl + 2000, qPrintable(QStringLiteral("offline after %1 ms, TTL %2").arg(after).arg(ttl)));
    // last_seen is the last frame (here the start), not the expiry.
    QVERIFY(qAbs(offline->entry.presence.lastSeen - startedStoreMs) < 100);
    QCOMPARE(expired.count(), 1);
    QCOMPARE(expired.first().first().toString(), QStringLiteral("s1"));
}

void TestPresenceStore::framesKeepSessionAlive()
{
    const int ttl = 400;
    PresenceStore *store = makeStore(ttl);
    QVERIFY(store);
    store->startSession(session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("desktop")));
    QVERIFY(waitFor(QStringLiteral("alice"), Status::Online));
    QTimer touches;
    touches.setInterval(ttl / 8);
    qint64 lastTouch = 0;
    connect(&touches, &QTimer::timeout, this, [&] {
        store->touchSession(QStringLiteral("s1"));
        lastTouch = Clock::nowMs();
    });
    touches.start();
    // Three TTLs of frames: the session must stay.
    QVERIFY(!waitFor(QStringLiteral("alice"), Status::Offline, 3 * ttl));
    touches.stop();
    const std::optional<Seen> offline = waitFor(QStringLiteral("alice"), Status::Offline, ttl + 5000);
    QVERIFY(offline);
    QVERIFY(offline->atMs - lastTouch >= ttl);
    QVERIFY(offline->atMs - lastTouch <= ttl + 2000);
}

void TestPresenceStore::fetchReportsCurrentState()
{
    PresenceStore *store = makeStore(30000);
    QVERIFY(store);
    SessionStart start = session(QStringLiteral("s1"), QStringLiteral("alice"), QStringLiteral("web"));
    start.status = {Mode::Auto, QStringLiteral("hello")};
    store->startSession(start);
    const std::optional<Seen> online = waitFor(QStringLiteral("alice"), Status::Online);
    QVERIFY(online);

    bool answered = false;
    QList<PresenceEntry> entries;
    store->fetch({QStringLiteral("alice"), QStringLiteral("nobody")}, [&](bool ok, const QList<PresenceEntry> &e) {
        answered = ok;
        entries = e;
    });
    QVERIFY(QTest::qWaitFor([&] { return answered; }, 5000));
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries[0].presence.status, Status::Online);
    QCOMPARE(entries[0].presence.text, QStringLiteral("hello"));
    QCOMPARE(entries[0].presence.devices, QStringList{QStringLiteral("web")});
    QCOMPARE(entries[0].presence.since, online->entry.presence.since);
    QCOMPARE(entries[0].version, online->entry.version);
    QCOMPARE(entries[1].presence.user, QStringLiteral("nobody"));
    QCOMPARE(entries[1].presence.status, Status::Offline);
    QCOMPARE(entries[1].presence.since, 0);
}

QTEST_GUILESS_MAIN(TestPresenceStore)
#include "TestPresenceStore.moc"
