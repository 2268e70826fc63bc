// Direct messages end to end: two gateways on a real redis-server and one database, a SQLite
// file or (PRESENTLY_TEST_DB=postgresql) a real PostgreSQL server.
// Delivery is at least once; display is exactly once by mid (a client keeps what it saw).
#include "HeartbeatLoop.h"
#include "RedisFixture.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestDatabase.h"
#include "TestUsers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUuid>
#include <algorithm>
#include <memory>

using namespace TestUsers;

namespace {
constexpr int kTtlMs = 3000;
const QString kPassword = QStringLiteral("correct horse");

QJsonObject sendFrame(const QString &to, const QString &cid, const QString &body)
{
    return obj({{QStringLiteral("type"), QStringLiteral("send")},
                {QStringLiteral("to"), to},
                {QStringLiteral("cid"), cid},
                {QStringLiteral("body"), body}});
}

bool isType(const QJsonObject &o, const char *type)
{
    return o.value(QStringLiteral("type")).toString() == QLatin1String(type);
}

// Messages of `type` the client has received so far.
int countOfType(const TestClient &client, const char *type)
{
    int n = 0;
    for (const auto &r : client.log())
        n += isType(r.message, type);
    return n;
}

// What a client displays: each mid once, and the live stream's order as it came.
struct Inbox {
    QMap<qint64, QJsonObject> byMid;
    QList<qint64> liveOrder;
    int duplicates = 0;

    void takeLive(TestClient &c)
    {
        for (const auto &r : c.log()) {
            if (!isType(r.message, "message"))
                continue;
            const auto mid = static_cast<qint64>(r.message.value(QStringLiteral("mid")).toDouble());
            liveOrder.append(mid);
            duplicates += byMid.contains(mid);
            byMid.insert(mid, r.message);
        }
    }
    void take(const QJsonArray &messages)
    {
        for (const QJsonValue &v : messages)
            byMid.insert(static_cast<qint64>(v.toObject().value(QStringLiteral("mid")).toDouble()), v.toObject());
    }
};

// Clients heartbeat (the TTL here is 3 s): a test that only waits for messages must too. The
// clients are looked up at each beat: tests replace them as they reconnect.
void keepAliveEvery(HeartbeatLoop &loop, const QList<std::unique_ptr<TestClient> *> &clients)
{
    loop.start(
        [clients] {
            QList<TestClient *> now;
            for (std::unique_ptr<TestClient> *c : clients)
                now.append(c->get());
            return now;
        },
        500);
}
} // namespace

class TestMessages : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void deliversAcrossGateways();
    void resendOfCidIsIdempotent();
    void sameCidFromTwoDevicesAtOnce();
    void refusesBadSends();
    void survivesKillRightAfterSent();
    void burstWhileRecipientReconnects();
    void pubsubCutDuringBurstLosesNothing();
    void gatewaysWriteOneFileConcurrently();
    void burstDoesNotHoldUpOthers();
    void syncAndHistoryPage();
    void bigPagesAreCutBySize();
    void readMarksCrossDevices();
    void readMarksOnlyWithContactsAndUpToTheNewest();
    void typingIsRelayedNotStored();
    void typingRepeatsAreCoalesced();
    void logoutAllReachesEveryGateway();

private:
    ServerProcess *startGateway(const QString &id);
    QString uniqueName(const char *base) { return QStringLiteral("%1%2").arg(QLatin1String(base)).arg(++m_names); }

    QList<QJsonObject> syncAll(TestClient &c, qint64 after);

    RedisFixture m_redis;
    TestDatabase m_database;
    QString m_db; // --db
    QList<ServerProcess *> m_gateways;
    ServerProcess *m_gw1 = nullptr;
    ServerProcess *m_gw2 = nullptr;
    int m_names = 0;
};

void TestMessages::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
    QVERIFY2(m_database.start(&error), qPrintable(error));
    m_db = m_database.create(QStringLiteral("shared"), &error);
    QVERIFY2(!m_db.isEmpty(), qPrintable(error));
    qInfo("on %s", qPrintable(m_database.engineName()));
}

void TestMessages::init()
{
    m_gw1 = startGateway(QStringLiteral("gw-1"));
    m_gw2 = startGateway(QStringLiteral("gw-2"));
    QVERIFY(m_gw1 && m_gw2);
}

void TestMessages::cleanup()
{
    qDeleteAll(m_gateways);
    m_gateways.clear();
}

ServerProcess *TestMessages::startGateway(const QString &id)
{
    auto *gw = new ServerProcess;
    m_gateways.append(gw);
    QString error;
    // Bursts of thousands of sends: the rate limit (tested in TestGateway) is raised here.
    if (!gw->start({QStringLiteral("--redis"), m_redis.url(), QStringLiteral("--db"), m_db,
                    QStringLiteral("--presence-ttl-ms"), QString::number(kTtlMs),
                    QStringLiteral("--heartbeat-interval-ms"), QStringLiteral("1000"), QStringLiteral("--rate-per-s"),
                    QStringLiteral("5000"), QStringLiteral("--rate-burst"), QStringLiteral("5000"),
                    QStringLiteral("--server-id"), id},
                   &error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    return gw;
}

QList<QJsonObject> TestMessages::syncAll(TestClient &c, qint64 after)
{
    QList<QJsonObject> all;
    for (;;) {
        const auto page =
            c.request(obj({{QStringLiteral("type"), QStringLiteral("sync")}, {QStringLiteral("after"), after}}), 10000);
        if (!page || !isType(*page, "messages"))
            return all;
        const QJsonArray messages = page->value(QStringLiteral("messages")).toArray();
        for (const QJsonValue &v : messages)
            all.append(v.toObject());
        if (!page->value(QStringLiteral("more")).toBool() || messages.isEmpty())
            return all;
        after = static_cast<qint64>(messages.last().toObject().value(QStringLiteral("mid")).toDouble());
    }
}

void TestMessages::deliversAcrossGateways()
{
    const QString a = uniqueName("alice");
    const QString b = uniqueName("bob");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    auto aliceLaptop = signedIn(m_gw2->url(), a, kPassword, false, QStringLiteral("laptop"));
    QVERIFY(aliceLaptop);

    const QString cid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    alice->send(sendFrame(b, cid, QStringLiteral("hi bob")));
    const auto sent = alice->waitForType(QStringLiteral("sent"));
    QVERIFY(sent);
    QCOMPARE(sent->value(QStringLiteral("cid")).toString(), cid);
    const qint64 mid = static_cast<qint64>(sent->value(QStringLiteral("mid")).toDouble());
    QVERIFY(mid > 0);

    const auto atBob = bob->waitForType(QStringLiteral("message"));
    QVERIFY(atBob);
    QCOMPARE(static_cast<qint64>(atBob->value(QStringLiteral("mid")).toDouble()), mid);
    QCOMPARE(atBob->value(QStringLiteral("from")).toString(), a);
    QCOMPARE(atBob->value(QStringLiteral("to")).toString(), b);
    QCOMPARE(atBob->value(QStringLiteral("body")).toString(), QStringLiteral("hi bob"));
    QCOMPARE(atBob->value(QStringLiteral("cid")).toString(), cid);
    QCOMPARE(atBob->value(QStringLiteral("ts")).toDouble(), sent->value(QStringLiteral("ts")).toDouble());
    const auto atLaptop = aliceLaptop->waitForType(QStringLiteral("message"));
    QVERIFY(atLaptop);
    QCOMPARE(static_cast<qint64>(atLaptop->value(QStringLiteral("mid")).toDouble()), mid);

    // Bob answers; the sending session gets `sent` and never its own `message`.
    bob->send(sendFrame(a, QStringLiteral("b-1"), QStringLiteral("hi alice")));
    QVERIFY(bob->waitForType(QStringLiteral("sent")));
    QVERIFY(alice->waitForType(QStringLiteral("message")));
    QVERIFY(aliceLaptop->waitForType(QStringLiteral("message")));
    for (const auto &r : alice->log())
        QVERIFY(!isType(r.message, "message") || r.message.value(QStringLiteral("from")).toString() != a);
}

void TestMessages::resendOfCidIsIdempotent()
{
    const QString a = uniqueName("carol");
    const QString b = uniqueName("dave");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));

    alice->send(sendFrame(b, QStringLiteral("same-cid"), QStringLiteral("first")));
    const auto first = alice->waitForType(QStringLiteral("sent"));
    QVERIFY(first);
    QVERIFY(bob->waitForType(QStringLiteral("message")));

    // Reconnect (to the other gateway) and resend, as an outbox does, even with another body.
    const QString token = tokenOf(*alice);
    alice->dropUncleanly();
    alice = signedInByToken(m_gw2->url(), token);
    QVERIFY(alice);
    alice->send(sendFrame(b, QStringLiteral("same-cid"), QStringLiteral("edited")));
    const auto again = alice->waitForType(QStringLiteral("sent"));
    QVERIFY(again);
    QCOMPARE(again->value(QStringLiteral("mid")).toDouble(), first->value(QStringLiteral("mid")).toDouble());
    QCOMPARE(again->value(QStringLiteral("ts")).toDouble(), first->value(QStringLiteral("ts")).toDouble());

    // One row: history has it once, with the first body; bob got no second delivery.
    alice->send(sendFrame(b, QStringLiteral("marker"), QStringLiteral("marker")));
    QVERIFY(bob->waitFor(
        [](const QJsonObject &o) { return o.value(QStringLiteral("body")).toString() == QLatin1String("marker"); }));
    QVERIFY(!bob->waitForType(QStringLiteral("message"), 0));
    const auto history =
        alice->request(obj({{QStringLiteral("type"), QStringLiteral("history")}, {QStringLiteral("with"), b}}));
    QVERIFY(history);
    const QJsonArray messages = history->value(QStringLiteral("messages")).toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages[0].toObject().value(QStringLiteral("body")).toString(), QStringLiteral("first"));
}

void TestMessages::sameCidFromTwoDevicesAtOnce()
{
    // Sends that reach the gateway together are stored in one transaction: the same cid from two
    // sessions of one user (sent at the same moment) is still one message, and both hear its mid.
    const QString a = uniqueName("gina");
    const QString b = uniqueName("hugo");
    auto phone = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(phone && bob);
    QVERIFY(befriend(*phone, a, *bob, b));
    auto laptop = signedInByToken(m_gw1->url(), tokenOf(*phone));
    QVERIFY(laptop);

    phone->send(sendFrame(b, QStringLiteral("twice"), QStringLiteral("from the phone")));
    laptop->send(sendFrame(b, QStringLiteral("twice"), QStringLiteral("from the laptop")));
    const auto fromPhone = phone->waitForType(QStringLiteral("sent"));
    const auto fromLaptop = laptop->waitForType(QStringLiteral("sent"));
    QVERIFY(fromPhone && fromLaptop);
    QCOMPARE(fromLaptop->value(QStringLiteral("mid")).toDouble(), fromPhone->value(QStringLiteral("mid")).toDouble());

    const auto history =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("history")}, {QStringLiteral("with"), a}}));
    QVERIFY(history);
    QCOMPARE(history->value(QStringLiteral("messages")).toArray().size(), 1);
    // Bob got it once: a marker sent after it arrives after it, with nothing in between.
    phone->send(sendFrame(b, QStringLiteral("marker"), QStringLiteral("marker")));
    QVERIFY(bob->waitFor(
        [](const QJsonObject &o) { return o.value(QStringLiteral("body")).toString() == QLatin1String("marker"); }));
    QCOMPARE(std::count_if(bob->log().cbegin(), bob->log().cend(),
                           [](const TestClient::Received &r) { return isType(r.message, "message"); }),
             2);
}

void TestMessages::refusesBadSends()
{
    const QString a = uniqueName("erin");
    const QString b = uniqueName("fred");
    const QString stranger = uniqueName("gina");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob && signedIn(m_gw1->url(), stranger, kPassword, true));
    QVERIFY(befriend(*alice, a, *bob, b));

    auto ask = [&](QJsonObject frame) { return code(alice->request(std::move(frame))); };
    QCOMPARE(ask(sendFrame(stranger, QStringLiteral("c1"), QStringLiteral("hi"))), QStringLiteral("forbidden"));
    QCOMPARE(ask(sendFrame(QStringLiteral("no-such-user"), QStringLiteral("c2"), QStringLiteral("hi"))),
             QStringLiteral("not_found"));
    QCOMPARE(ask(sendFrame(b, QStringLiteral("c3"), QString())), QStringLiteral("bad_request"));
    QCOMPARE(ask(sendFrame(b, QStringLiteral("c4"), QString(4001, QLatin1Char('x')))), QStringLiteral("too_large"));
    QCOMPARE(ask(sendFrame(b, QString(65, QLatin1Char('c')), QStringLiteral("hi"))), QStringLiteral("too_large"));
    QCOMPARE(ask(obj({{QStringLiteral("type"), QStringLiteral("typing")},
                      {QStringLiteral("to"), stranger},
                      {QStringLiteral("state"), true}})),
             QStringLiteral("forbidden"));
    QCOMPARE(ask(obj({{QStringLiteral("type"), QStringLiteral("history")},
                      {QStringLiteral("with"), QStringLiteral("no-such-user")}})),
             QStringLiteral("not_found"));
    QCOMPARE(ask(obj({{QStringLiteral("type"), QStringLiteral("read")},
                      {QStringLiteral("with"), QStringLiteral("no-such-user")},
                      {QStringLiteral("mid"), 1}})),
             QStringLiteral("not_found"));
    // A conversation with someone never talked to is empty, not an error, and leaks nothing.
    const auto empty =
        alice->request(obj({{QStringLiteral("type"), QStringLiteral("history")}, {QStringLiteral("with"), stranger}}));
    QCOMPARE(type(empty), QStringLiteral("messages"));
    QVERIFY(empty->value(QStringLiteral("messages")).toArray().isEmpty());
    // The 4,000-character body is fine.
    QCOMPARE(type(alice->request(sendFrame(b, QStringLiteral("c5"), QString(4000, QLatin1Char('y'))))),
             QStringLiteral("sent"));
}

void TestMessages::survivesKillRightAfterSent()
{
    const QString a = uniqueName("hank");
    const QString b = uniqueName("ivan");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    const QString token = tokenOf(*alice);

    alice->send(sendFrame(b, QStringLiteral("durable"), QStringLiteral("kept through a crash")));
    const auto sent = alice->waitForType(QStringLiteral("sent"));
    QVERIFY(sent);
    m_gw1->kill(); // SIGKILL right after the ack
    m_gw2->kill();
    m_gw1 = startGateway(QStringLiteral("gw-1b"));
    QVERIFY(m_gw1);
    alice = signedInByToken(m_gw1->url(), token);
    QVERIFY(alice);
    const qint64 mid = static_cast<qint64>(sent->value(QStringLiteral("mid")).toDouble());
    const QList<QJsonObject> synced = syncAll(*alice, mid - 1);
    QCOMPARE(synced.size(), 1);
    QCOMPARE(synced.first().value(QStringLiteral("body")).toString(), QStringLiteral("kept through a crash"));
    const auto history =
        alice->request(obj({{QStringLiteral("type"), QStringLiteral("history")}, {QStringLiteral("with"), b}}));
    QCOMPARE(
        history->value(QStringLiteral("messages")).toArray().last().toObject().value(QStringLiteral("mid")).toDouble(),
        static_cast<double>(mid));
}

void TestMessages::burstWhileRecipientReconnects()
{
    const QString a = uniqueName("jane");
    const QString b = uniqueName("karl");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    const QString bobToken = tokenOf(*bob);
    HeartbeatLoop heartbeats;
    keepAliveEvery(heartbeats, {&alice, &bob});

    constexpr int kCount = 2000;
    for (int i = 0; i < kCount; ++i)
        alice->send(sendFrame(b, QStringLiteral("burst-%1").arg(i), QStringLiteral("message %1").arg(i)));

    Inbox inbox;
    for (const int reconnectAt : {500, 1200}) {
        QVERIFY(QTest::qWaitFor(
            [&] { return static_cast<int>(inbox.byMid.size()) + countOfType(*bob, "message") >= reconnectAt; },
            90000)); // 2,000 fsynced inserts: slow under sanitizers on a loaded machine
        inbox.takeLive(*bob);
        QVERIFY2(std::is_sorted(inbox.liveOrder.cbegin(), inbox.liveOrder.cend()), "live messages out of mid order");
        bob->closeCleanly();
        QVERIFY(bob->waitForClosed());
        bob = signedInByToken(m_gw2->url(), bobToken);
        QVERIFY(bob);
        inbox.liveOrder.clear();
        const qint64 seen = inbox.byMid.isEmpty() ? 0 : inbox.byMid.lastKey();
        QJsonArray synced;
        for (const QJsonObject &m : syncAll(*bob, seen))
            synced.append(m);
        inbox.take(synced);
    }
    // Every `sent` arrived at alice; bob ends with exactly those mids.
    QVERIFY(QTest::qWaitFor([&] { return countOfType(*alice, "sent") == kCount; }, 60000));
    QSet<qint64> sentMids;
    for (const auto &r : alice->log()) {
        if (isType(r.message, "sent"))
            sentMids.insert(static_cast<qint64>(r.message.value(QStringLiteral("mid")).toDouble()));
    }
    QCOMPARE(sentMids.size(), kCount);
    QVERIFY(QTest::qWaitFor(
        [&] {
            Inbox probe = inbox;
            probe.takeLive(*bob);
            return static_cast<int>(probe.byMid.size()) >= kCount;
        },
        30000));
    const int liveDuplicatesBefore = inbox.duplicates;
    inbox.takeLive(*bob);
    QVERIFY2(std::is_sorted(inbox.liveOrder.cbegin(), inbox.liveOrder.cend()), "live messages out of mid order");
    QCOMPARE(inbox.byMid.size(), kCount);
    for (auto it = inbox.byMid.cbegin(); it != inbox.byMid.cend(); ++it)
        QVERIFY(sentMids.contains(it.key()));
    // In order: message i has the i-th mid.
    int i = 0;
    for (auto it = inbox.byMid.cbegin(); it != inbox.byMid.cend(); ++it, ++i)
        QCOMPARE(it.value().value(QStringLiteral("body")).toString(), QStringLiteral("message %1").arg(i));
    qInfo("2000-message burst with two reconnects: %d mids shown once each; %d overlapped between sync and live",
          static_cast<int>(inbox.byMid.size()), inbox.duplicates - liveDuplicatesBefore);
}

void TestMessages::pubsubCutDuringBurstLosesNothing()
{
    const QString a = uniqueName("lena");
    const QString b = uniqueName("mark");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    HeartbeatLoop heartbeats;
    keepAliveEvery(heartbeats, {&alice, &bob});

    constexpr int kCount = 1000;
    for (int i = 0; i < kCount; ++i)
        alice->send(sendFrame(b, QStringLiteral("cut-%1").arg(i), QStringLiteral("m%1").arg(i)));
    auto received = [&] { return countOfType(*bob, "message"); };
    QVERIFY(QTest::qWaitFor([&] { return received() >= 100; }, 30000));
    const presently::RedisReply killed = m_redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
    QVERIFY(killed.integer >= 2);
    QVERIFY2(QTest::qWaitFor([&] { return received() >= kCount; }, 30000),
             qPrintable(QStringLiteral("bob has %1 of %2").arg(received()).arg(kCount)));
    Inbox inbox;
    inbox.takeLive(*bob);
    QCOMPARE(inbox.duplicates, 0);
    QCOMPARE(inbox.byMid.size(), kCount);
    QVERIFY(std::is_sorted(inbox.liveOrder.cbegin(), inbox.liveOrder.cend()));
}

void TestMessages::gatewaysWriteOneFileConcurrently()
{
    const QString a = uniqueName("tess");
    const QString b = uniqueName("uwe");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    HeartbeatLoop heartbeats;
    keepAliveEvery(heartbeats, {&alice, &bob});
    constexpr int kEach = 400;
    for (int i = 0; i < kEach; ++i) {
        alice->send(sendFrame(b, QStringLiteral("a-%1").arg(i), QStringLiteral("from alice %1").arg(i)));
        bob->send(sendFrame(a, QStringLiteral("b-%1").arg(i), QStringLiteral("from bob %1").arg(i)));
    }
    auto sentMids = [](const TestClient &c) {
        QSet<qint64> mids;
        for (const auto &r : c.log()) {
            if (isType(r.message, "sent"))
                mids.insert(static_cast<qint64>(r.message.value(QStringLiteral("mid")).toDouble()));
        }
        return mids;
    };
    QVERIFY(QTest::qWaitFor([&] { return sentMids(*alice).size() == kEach && sentMids(*bob).size() == kEach; }, 60000));
    for (const auto &r : alice->log() + bob->log())
        QVERIFY2(!isType(r.message, "error"), qPrintable(r.message.value(QStringLiteral("message")).toString()));
    // No write lost, no mid given twice, and both see the same 800 messages.
    QCOMPARE((sentMids(*alice) & sentMids(*bob)).size(), 0);
    QCOMPARE(syncAll(*alice, 0).size(), 2 * kEach);
    QCOMPARE(syncAll(*bob, 0).size(), 2 * kEach);
}

void TestMessages::burstDoesNotHoldUpOthers()
{
    // Each send is a commit to disk. A burst of them and another client's request reach the
    // gateway together: the request is answered in between, not after the whole burst (nor do
    // the gateway's timers wait that long).
    const QString a = uniqueName("vera");
    const QString b = uniqueName("walt");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw1->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    HeartbeatLoop heartbeats;
    keepAliveEvery(heartbeats, {&alice, &bob});
    constexpr int kBurst = 400;
    QList<QJsonObject> burst;
    for (int i = 0; i < kBurst; ++i)
        burst.append(sendFrame(b, QStringLiteral("v-%1").arg(i), QStringLiteral("burst %1").arg(i)));
    alice->sendAll(burst);
    const auto page =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("sync")}, {QStringLiteral("after"), 0}}), 60000);
    QVERIFY(page && isType(*page, "messages"));
    const qsizetype committedBefore = page->value(QStringLiteral("messages")).toArray().size();
    QVERIFY2(committedBefore < kBurst / 2,
             qPrintable(QStringLiteral("bob's sync waited for %1 of %2 sends").arg(committedBefore).arg(kBurst)));
    // Nothing of the burst is lost for it.
    QVERIFY(QTest::qWaitFor(
        [&] {
            return std::count_if(alice->log().cbegin(), alice->log().cend(),
                                 [](const TestClient::Received &r) { return isType(r.message, "sent"); }) == kBurst;
        },
        60000));
    qInfo("bob's sync was answered after %d of alice's %d sends", static_cast<int>(committedBefore), kBurst);
}

void TestMessages::bigPagesAreCutBySize()
{
    // 60 messages of 4,000 two-byte characters (8 KB each): a sync page stops at 256 KiB of
    // estimated size with `more`, and paging on brings every message once, in order.
    const QString a = uniqueName("pia");
    const QString b = uniqueName("quin");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw1->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    HeartbeatLoop heartbeats;
    keepAliveEvery(heartbeats, {&alice, &bob});
    constexpr int kCount = 60;
    for (int i = 0; i < kCount; ++i)
        alice->send(
            sendFrame(b, QStringLiteral("big-%1").arg(i), QStringLiteral("%1:").arg(i) + QString(3990, QChar(0xE9))));
    QVERIFY(QTest::qWaitFor([&] { return countOfType(*alice, "sent") == kCount; }, 30000));
    QList<int> seen;
    QJsonValue after = 0;
    int pages = 0;
    for (bool more = true; more; ++pages) {
        const auto page =
            bob->request(obj({{QStringLiteral("type"), QStringLiteral("sync")}, {QStringLiteral("after"), after}}));
        QVERIFY(page);
        const QJsonArray messages = page->value(QStringLiteral("messages")).toArray();
        QVERIFY(!messages.isEmpty());
        const qsizetype frameBytes = QJsonDocument(*page).toJson(QJsonDocument::Compact).size();
        QVERIFY2(frameBytes < 300 * 1024, qPrintable(QString::number(frameBytes)));
        for (const QJsonValue &m : messages)
            seen.append(m.toObject().value(QStringLiteral("body")).toString().section(QLatin1Char(':'), 0, 0).toInt());
        after = messages.last().toObject().value(QStringLiteral("mid"));
        more = page->value(QStringLiteral("more")).toBool();
        QVERIFY(pages < 10);
    }
    QVERIFY2(pages >= 3, qPrintable(QString::number(pages)));
    QList<int> expected;
    for (int i = 0; i < kCount; ++i)
        expected.append(i);
    QCOMPARE(seen, expected);
}

void TestMessages::syncAndHistoryPage()
{
    const QString a = uniqueName("nina");
    const QString b = uniqueName("otto");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    const auto before =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("sync")}, {QStringLiteral("after"), 0}}));
    QVERIFY(before);
    // Other tests' messages are not bob's: his sync starts empty.
    QVERIFY(before->value(QStringLiteral("messages")).toArray().isEmpty());
    HeartbeatLoop heartbeats;
    keepAliveEvery(heartbeats, {&alice, &bob});

    for (int i = 0; i < 620; ++i)
        alice->send(sendFrame(b, QStringLiteral("p-%1").arg(i), QStringLiteral("%1").arg(i)));
    QVERIFY(QTest::qWaitFor([&] { return countOfType(*alice, "sent") == 620; }, 30000));

    const auto page1 =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("sync")}, {QStringLiteral("after"), 0}}));
    QCOMPARE(page1->value(QStringLiteral("messages")).toArray().size(), 500);
    QVERIFY(page1->value(QStringLiteral("more")).toBool());
    const QJsonArray first = page1->value(QStringLiteral("messages")).toArray();
    QCOMPARE(first.first().toObject().value(QStringLiteral("body")).toString(), QStringLiteral("0"));
    QCOMPARE(first.first().toObject().value(QStringLiteral("type")).toString(), QStringLiteral("message"));
    const auto page2 =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("sync")},
                          {QStringLiteral("after"), first.last().toObject().value(QStringLiteral("mid"))}}));
    QCOMPARE(page2->value(QStringLiteral("messages")).toArray().size(), 120);
    QVERIFY(!page2->value(QStringLiteral("more")).toBool());

    const auto latest =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("history")}, {QStringLiteral("with"), a}}));
    const QJsonArray latestPage = latest->value(QStringLiteral("messages")).toArray();
    QCOMPARE(latestPage.size(), 50); // default limit
    QVERIFY(latest->value(QStringLiteral("more")).toBool());
    QCOMPARE(latestPage.first().toObject().value(QStringLiteral("body")).toString(), QStringLiteral("570"));
    QCOMPARE(latestPage.last().toObject().value(QStringLiteral("body")).toString(), QStringLiteral("619"));
    const auto older =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("history")},
                          {QStringLiteral("with"), a},
                          {QStringLiteral("before"), latestPage.first().toObject().value(QStringLiteral("mid"))},
                          {QStringLiteral("limit"), 10}}));
    const QJsonArray olderPage = older->value(QStringLiteral("messages")).toArray();
    QCOMPARE(olderPage.size(), 10);
    QCOMPARE(olderPage.first().toObject().value(QStringLiteral("body")).toString(), QStringLiteral("560"));
    const auto capped = bob->request(obj({{QStringLiteral("type"), QStringLiteral("history")},
                                          {QStringLiteral("with"), a},
                                          {QStringLiteral("limit"), 100000}}));
    QCOMPARE(capped->value(QStringLiteral("messages")).toArray().size(), 200);
    const auto oldest =
        bob->request(obj({{QStringLiteral("type"), QStringLiteral("history")},
                          {QStringLiteral("with"), a},
                          {QStringLiteral("before"), first.at(5).toObject().value(QStringLiteral("mid"))}}));
    QCOMPARE(oldest->value(QStringLiteral("messages")).toArray().size(), 5);
    QVERIFY(!oldest->value(QStringLiteral("more")).toBool());
}

void TestMessages::readMarksOnlyWithContactsAndUpToTheNewest()
{
    const QString a = uniqueName("rita");
    const QString b = uniqueName("sven");
    const QString c = uniqueName("tara");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    auto stranger = signedIn(m_gw1->url(), c, kPassword, true);
    QVERIFY(alice && bob && stranger);
    QVERIFY(befriend(*alice, a, *bob, b));
    const auto readUpTo = [](TestClient &client, const QString &with, const QJsonValue &mid) {
        return type(client.request(obj({{QStringLiteral("type"), QStringLiteral("read")},
                                        {QStringLiteral("with"), with},
                                        {QStringLiteral("mid"), mid}})));
    };
    // A stranger cannot pin anyone's read mark.
    QCOMPARE(readUpTo(*stranger, a, 9007199254740991.0), QStringLiteral("error"));
    // A mark far past the newest message stops at it: alice's next read of a newer message still
    // moves it (a mark left at 2^53 would have swallowed every later one).
    const auto first = alice->request(sendFrame(b, QStringLiteral("n-1"), QStringLiteral("one")));
    QVERIFY(first);
    QCOMPARE(readUpTo(*bob, a, 9007199254740991.0), QStringLiteral("ok"));
    const auto clamped = alice->waitForType(QStringLiteral("read"));
    QVERIFY(clamped);
    QCOMPARE(clamped->value(QStringLiteral("mid")), first->value(QStringLiteral("mid")));
    const auto second = alice->request(sendFrame(b, QStringLiteral("n-2"), QStringLiteral("two")));
    QVERIFY(second);
    QCOMPARE(readUpTo(*bob, a, second->value(QStringLiteral("mid"))), QStringLiteral("ok"));
    const auto moved = alice->waitForType(QStringLiteral("read"));
    QVERIFY(moved);
    QCOMPARE(moved->value(QStringLiteral("mid")), second->value(QStringLiteral("mid")));
}

void TestMessages::readMarksCrossDevices()
{
    const QString a = uniqueName("pia");
    const QString b = uniqueName("quinn");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    auto bobPhone = signedIn(m_gw1->url(), b, kPassword, false, QStringLiteral("phone"));
    QVERIFY(bobPhone);
    const auto sent = alice->request(sendFrame(b, QStringLiteral("r-1"), QStringLiteral("read me")));
    const auto mid = sent->value(QStringLiteral("mid"));

    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("read")},
                                    {QStringLiteral("with"), a},
                                    {QStringLiteral("mid"), mid}}))),
             QStringLiteral("ok"));
    const auto atAlice = alice->waitForType(QStringLiteral("read"));
    QVERIFY(atAlice);
    QCOMPARE(atAlice->value(QStringLiteral("from")).toString(), b);
    QCOMPARE(atAlice->value(QStringLiteral("with")).toString(), a);
    QCOMPARE(atAlice->value(QStringLiteral("mid")), mid);
    const auto atPhone = bobPhone->waitForType(QStringLiteral("read"));
    QVERIFY(atPhone);
    QCOMPARE(atPhone->value(QStringLiteral("mid")), mid);
    // A mark that does not move forward is ok and relayed to nobody.
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("read")},
                                    {QStringLiteral("with"), a},
                                    {QStringLiteral("mid"), 1}}))),
             QStringLiteral("ok"));
    alice->send(sendFrame(b, QStringLiteral("r-2"), QStringLiteral("marker")));
    QVERIFY(bobPhone->waitForType(QStringLiteral("message")));
    QVERIFY(!bobPhone->waitForType(QStringLiteral("read"), 0));
    QVERIFY(!bob->waitForType(QStringLiteral("read"), 0)); // the reading session itself is not told

    // A new device learns the marks with its contacts.
    auto tablet = std::make_unique<TestClient>();
    QVERIFY(tablet->open(m_gw2->url()));
    tablet->send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                      {QStringLiteral("user"), b},
                      {QStringLiteral("password"), kPassword}}));
    QVERIFY(tablet->waitForType(QStringLiteral("welcome"), 20000));
    const auto contacts = tablet->waitForType(QStringLiteral("contacts"));
    QCOMPARE(contacts->value(QStringLiteral("contacts")).toArray().first().toObject().value(QStringLiteral("read_mid")),
             mid);
}

void TestMessages::typingIsRelayedNotStored()
{
    const QString a = uniqueName("rita");
    const QString b = uniqueName("sam");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    alice->send(obj({{QStringLiteral("type"), QStringLiteral("typing")},
                     {QStringLiteral("to"), b},
                     {QStringLiteral("state"), true}}));
    const auto typing = bob->waitForType(QStringLiteral("typing"));
    QVERIFY(typing);
    QCOMPARE(*typing, (QJsonObject{{QStringLiteral("type"), QStringLiteral("typing")},
                                   {QStringLiteral("from"), a},
                                   {QStringLiteral("state"), true}}));
    QVERIFY(!alice->waitForType(QStringLiteral("typing"), 0));

    // Nothing of it reached the database.
    const QString shared = QStringLiteral("shared");
    QCOMPARE(m_database.query(shared, QStringLiteral("SELECT COUNT(*) FROM messages WHERE sender = '%1' OR "
                                                     "recipient = '%1'")
                                          .arg(a)),
             QStringLiteral("0"));
    const QString schemaMentionsTyping =
        m_database.isPostgres()
            ? QStringLiteral("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'public' AND "
                             "(column_name LIKE '%typing%' OR table_name LIKE '%typing%')")
            : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%typing%'");
    QCOMPARE(m_database.query(shared, schemaMentionsTyping), QStringLiteral("0"));
}

void TestMessages::typingRepeatsAreCoalesced()
{
    // A client that says "typing" on every key: one relay per 2 s, and "stopped" always relayed.
    const QString a = uniqueName("tina");
    const QString b = uniqueName("ugo");
    auto alice = signedIn(m_gw1->url(), a, kPassword, true);
    auto bob = signedIn(m_gw2->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    const auto typing = [&](bool state) {
        return alice->request(obj({{QStringLiteral("type"), QStringLiteral("typing")},
                                   {QStringLiteral("to"), b},
                                   {QStringLiteral("state"), state}}));
    };
    for (int i = 0; i < 10; ++i)
        QCOMPARE(typing(true)->value(QStringLiteral("type")).toString(), QStringLiteral("ok")); // each answered
    QVERIFY(typing(false));
    QVERIFY(typing(true)); // after a stop, at once again
    // A message after them, on the same route: once it is in, every relay before it is too.
    QVERIFY(alice->request(sendFrame(b, QStringLiteral("after-typing"), QStringLiteral("hi"))));
    QVERIFY(bob->waitForType(QStringLiteral("message")));
    QVERIFY(QTest::qWaitFor([&] { return countOfType(*bob, "typing") >= 3; }, 5000));
    QList<bool> states;
    for (const TestClient::Received &r : bob->log()) {
        if (r.message.value(QStringLiteral("type")).toString() == QStringLiteral("typing"))
            states.append(r.message.value(QStringLiteral("state")).toBool());
    }
    QCOMPARE(states, (QList<bool>{true, false, true}));
}

void TestMessages::logoutAllReachesEveryGateway()
{
    // The revocation goes over the bus: a session on the other gateway ends too.
    const QString a = uniqueName("wendy");
    auto here = signedIn(m_gw1->url(), a, kPassword, true);
    auto there = signedIn(m_gw2->url(), a, kPassword, false);
    QVERIFY(here && there);
    QVERIFY(here->request(obj({{QStringLiteral("type"), QStringLiteral("logout_all")}})));
    QVERIFY(there->waitForClosed());
    QCOMPARE(there->closeCode(), 4001);
    QVERIFY(here->waitForClosed());
}

QTEST_GUILESS_MAIN(TestMessages)
#include "TestMessages.moc"
