// A contact change is in effect when it is answered `ok` (PROTOCOL.md: frames are handled in
// order; `ok` once the request has taken effect): the next frame on that connection already sees
// the new contact set, and a removed contact's presence is neither answered nor pushed. Run on
// the embedded store, on Redis, and with the two users on two gateways sharing Redis.
#include "RedisFixture.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"
#include "protocol/Protocol.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

using namespace TestUsers;

namespace {
constexpr int kRounds = 50;
// Paced under the flood limit (100 frames a second per connection); requests are raised by flag.
constexpr int kRoundMs = 70;
const QString kPassword = QStringLiteral("correct horse");

QString statusOf(const std::optional<QJsonObject> &presence, const QString &user)
{
    if (!presence || presence->value(QStringLiteral("type")).toString() != QLatin1String("presence"))
        return QStringLiteral("<%1>").arg(type(presence));
    for (const QJsonValue &v : presence->value(QStringLiteral("users")).toArray()) {
        if (v.toObject().value(QStringLiteral("user")).toString() == user)
            return v.toObject().value(QStringLiteral("status")).toString();
    }
    return QStringLiteral("<absent>");
}

bool listsContact(const QJsonObject &contacts, const QString &user)
{
    for (const QJsonValue &c : contacts.value(QStringLiteral("contacts")).toArray()) {
        if (c.toObject().value(QStringLiteral("user")).toString() == user)
            return true;
    }
    return false;
}

// Presence entries for `user` with a real status in `log[from, to)`.
int leakedPresence(const QList<TestClient::Received> &log, qsizetype from, qsizetype to, const QString &user)
{
    int leaks = 0;
    for (qsizetype i = from; i < to && i < log.size(); ++i) {
        const QJsonObject &m = log.at(i).message;
        if (m.value(QStringLiteral("type")).toString() != QLatin1String("presence"))
            continue;
        for (const QJsonValue &v : m.value(QStringLiteral("users")).toArray()) {
            const QJsonObject e = v.toObject();
            leaks += e.value(QStringLiteral("user")).toString() == user &&
                     e.value(QStringLiteral("status")).toString() != QLatin1String("unknown");
        }
    }
    return leaks;
}
} // namespace

class TestContactChanges : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void changeIsInEffectWhenAnswered_data();
    void changeIsInEffectWhenAnswered();
    void requestFramesReplaceTheRosterReload();

private:
    ServerProcess *startGateway(bool redis, const QString &id);

    RedisFixture m_redis;
    QTemporaryDir m_dir;
    QList<ServerProcess *> m_gateways;
    int m_runs = 0;
};

void TestContactChanges::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
}

void TestContactChanges::cleanup()
{
    qDeleteAll(m_gateways); // ends each by its PID
    m_gateways.clear();
}

ServerProcess *TestContactChanges::startGateway(bool redis, const QString &id)
{
    auto *gw = new ServerProcess;
    m_gateways.append(gw);
    QStringList args{QStringLiteral("--db"),
                     QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("run%1.sqlite").arg(m_runs)),
                     QStringLiteral("--server-id"),
                     id,
                     QStringLiteral("--rate-per-s"),
                     QStringLiteral("1000"),
                     QStringLiteral("--rate-burst"),
                     QStringLiteral("1000")};
    if (redis)
        args << QStringLiteral("--redis") << m_redis.url();
    QString error;
    if (!gw->start(args, &error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    return gw;
}

void TestContactChanges::changeIsInEffectWhenAnswered_data()
{
    QTest::addColumn<bool>("redis");
    QTest::addColumn<bool>("twoGateways");
    QTest::newRow("embedded store") << false << false;
    QTest::newRow("redis") << true << false;
    QTest::newRow("redis, two gateways") << true << true;
}

void TestContactChanges::changeIsInEffectWhenAnswered()
{
    QFETCH(bool, redis);
    QFETCH(bool, twoGateways);
    ++m_runs;
    m_redis.command({"FLUSHALL"});
    ServerProcess *gwA = startGateway(redis, QStringLiteral("gw-a"));
    ServerProcess *gwB = twoGateways ? startGateway(redis, QStringLiteral("gw-b")) : gwA;
    QVERIFY(gwA && gwB);
    const QString a = QStringLiteral("alice");
    const QString b = QStringLiteral("bob");
    auto alice = signedIn(gwA->url(), a, kPassword, true);
    auto bob = signedIn(gwB->url(), b, kPassword, true);
    QVERIFY(alice && bob);

    const QJsonObject queryB = obj({{QStringLiteral("type"), QStringLiteral("query")},
                                    {QStringLiteral("id"), QStringLiteral("q")},
                                    {QStringLiteral("users"), QJsonArray{b}}});
    const QJsonObject subscribeB = obj({{QStringLiteral("type"), QStringLiteral("subscribe")},
                                        {QStringLiteral("id"), QStringLiteral("s")},
                                        {QStringLiteral("users"), QJsonArray{b}}});
    const QJsonObject queryA = obj({{QStringLiteral("type"), QStringLiteral("query")},
                                    {QStringLiteral("id"), QStringLiteral("q")},
                                    {QStringLiteral("users"), QJsonArray{a}}});
    auto reply = [](TestClient &c, const QString &id) {
        return c.waitFor([id](const QJsonObject &o) { return o.value(QStringLiteral("id")).toString() == id; });
    };

    qsizetype removedAt = -1; // alice's log from here on must hold no presence of bob
    for (int round = 0; round < kRounds; ++round) {
        const QString tag = QStringLiteral("round %1: ").arg(round);
        QElapsedTimer roundTime;
        roundTime.start();
        // alice asks, bob accepts and asks for alice's presence in the same write.
        QCOMPARE(type(alice->request(
                     obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), b}}))),
                 QStringLiteral("ok"));
        QVERIFY(bob->waitForType(QStringLiteral("contact_request")));
        if (removedAt >= 0) {
            QVERIFY2(leakedPresence(alice->log(), removedAt, alice->log().size(), b) == 0,
                     qPrintable(tag + "bob's presence pushed to alice after contact_remove's ok"));
        }
        bob->sendAll({obj({{QStringLiteral("type"), QStringLiteral("contact_accept")},
                           {QStringLiteral("id"), QStringLiteral("acc")},
                           {QStringLiteral("user"), a}}),
                      queryA});
        QCOMPARE(type(reply(*bob, QStringLiteral("acc"))), QStringLiteral("ok"));
        const QString seenByBob = statusOf(reply(*bob, QStringLiteral("q")), a);
        // Pushes from here on are this accept's and what follows (earlier ones, such as the one
        // that brought alice's request, are not the removal's).
        const qsizetype bobAccepted = bob->log().size();
        QVERIFY2(seenByBob == QLatin1String("online"),
                 qPrintable(tag + "query right after contact_accept's ok said " + seenByBob));
        // alice sees bob no later than the contacts push she receives.
        QVERIFY(alice->waitFor([&](const QJsonObject &o) {
            return o.value(QStringLiteral("type")).toString() == QLatin1String("contacts") && listsContact(o, b);
        }));
        const QString seenByAlice = statusOf(alice->request(queryB), b);
        QVERIFY2(seenByAlice == QLatin1String(round % 2 ? "idle" : "online"), qPrintable(tag + seenByAlice));

        // alice removes bob, and asks for and subscribes to his presence in the same write.
        alice->sendAll({obj({{QStringLiteral("type"), QStringLiteral("contact_remove")},
                             {QStringLiteral("id"), QStringLiteral("rm")},
                             {QStringLiteral("user"), b}}),
                        queryB, subscribeB});
        QCOMPARE(type(reply(*alice, QStringLiteral("rm"))), QStringLiteral("ok"));
        // Everything alice received after that ok, in arrival order.
        removedAt = alice->log().size();
        while (removedAt > 0 &&
               alice->log().at(removedAt - 1).message.value(QStringLiteral("id")).toString() != QLatin1String("rm"))
            --removedAt;
        const QString queried = statusOf(reply(*alice, QStringLiteral("q")), b);
        QVERIFY2(queried == QLatin1String("unknown"), qPrintable(tag + "query after contact_remove said " + queried));
        const QString subscribed = statusOf(reply(*alice, QStringLiteral("s")), b);
        QVERIFY2(subscribed == QLatin1String("unknown"),
                 qPrintable(tag + "subscribe after contact_remove said " + subscribed));
        // bob changes his presence at once: nothing of it may reach alice any more.
        bob->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")},
                       {QStringLiteral("status"), round % 2 ? QStringLiteral("active") : QStringLiteral("idle")}}));
        // bob sees the removal no later than the contacts push it causes.
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         for (qsizetype i = bobAccepted; i < bob->log().size(); ++i) {
                             const QJsonObject &o = bob->log().at(i).message;
                             if (o.value(QStringLiteral("type")).toString() == QLatin1String("contacts") &&
                                 !listsContact(o, a))
                                 return true;
                         }
                         return false;
                     },
                     5000),
                 qPrintable(tag + "bob never got the contacts push of the removal"));
        QCOMPARE(statusOf(bob->request(queryA), a), QStringLiteral("unknown"));
        QTest::qWait(std::max<int>(0, kRoundMs - static_cast<int>(roundTime.elapsed())));
    }
    // Anything still on its way arrives within a moment.
    QTest::qWait(200);
    QCOMPARE(leakedPresence(alice->log(), removedAt, alice->log().size(), b), 0);
}

// A session that asked for Feature::RequestFrames learns of a new request, its own or one to it,
// from one `contact_request` frame with `to`; sessions that did not get the contract's frames.
void TestContactChanges::requestFramesReplaceTheRosterReload()
{
    ++m_runs;
    m_redis.command({"FLUSHALL"});
    ServerProcess *gwA = startGateway(true, QStringLiteral("gw-a"));
    ServerProcess *gwB = startGateway(true, QStringLiteral("gw-b"));
    QVERIFY(gwA && gwB);
    const QString a = QStringLiteral("alice");
    const QString b = QStringLiteral("bob");
    auto alice = signedIn(gwA->url(), a, kPassword, true);
    auto bob = signedIn(gwB->url(), b, kPassword, true);
    QVERIFY(alice && bob);
    const auto withFrames = [&](ServerProcess *gw, const QString &user, const QJsonValue &features) {
        auto client = std::make_unique<TestClient>();
        if (!client->open(gw->url()))
            return std::pair{std::move(client), std::optional<QJsonObject>()};
        client->send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                          {QStringLiteral("user"), user},
                          {QStringLiteral("password"), kPassword},
                          {QStringLiteral("features"), features}}));
        auto first = client->waitFor([](const QJsonObject &) { return true; });
        return std::pair{std::move(client), first};
    };
    // A malformed list is the hello's error; unknown names are ignored.
    auto [refused, error] = withFrames(gwA, a, QJsonArray{1});
    QCOMPARE(code(error), QStringLiteral("bad_request"));
    auto [aliceFrames, aliceWelcome] = withFrames(
        gwA, a, QJsonArray{QStringLiteral("from_the_future"), QLatin1String(presently::Feature::RequestFrames)});
    auto [bobFrames, bobWelcome] = withFrames(gwB, b, QJsonArray{QLatin1String(presently::Feature::RequestFrames)});
    QCOMPARE(type(aliceWelcome), QStringLiteral("welcome"));
    QCOMPARE(type(bobWelcome), QStringLiteral("welcome"));
    QCOMPARE(aliceWelcome->value(QStringLiteral("features")).toArray(),
             QJsonArray{QLatin1String(presently::Feature::RequestFrames)});
    QVERIFY(!alice->log().first().message.contains(QStringLiteral("features")));
    QVERIFY(aliceFrames->waitForType(QStringLiteral("contacts")) && bobFrames->waitForType(QStringLiteral("contacts")));
    const qsizetype aliceFrom = aliceFrames->log().size();
    const qsizetype bobFrom = bobFrames->log().size();

    // Asked from the plain session: its own `contacts` shows the request pending, as before.
    QCOMPARE(type(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), b}}))),
             QStringLiteral("ok"));
    const auto isRequest = [](const QString &from, const QString &to) {
        return [from, to](const QJsonObject &o) {
            return o.value(QStringLiteral("type")).toString() == QLatin1String("contact_request") &&
                   o.value(QStringLiteral("from")).toString() == from && o.value(QStringLiteral("to")).toString() == to;
        };
    };
    QVERIFY(aliceFrames->waitFor(isRequest(a, b)));
    QVERIFY(bobFrames->waitFor(isRequest(a, b)));
    const auto plainRequest = bob->waitForType(QStringLiteral("contact_request"));
    QVERIFY(plainRequest && !plainRequest->contains(QStringLiteral("to")));
    QVERIFY(bob->waitFor([&](const QJsonObject &o) {
        return type(o) == QLatin1String("contacts") && o.value(QStringLiteral("requests")).toArray() == QJsonArray{a};
    }));

    // Accepted: that change is a new contact, and every session gets `contacts` anew.
    QCOMPARE(type(bobFrames->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_accept")}, {QStringLiteral("user"), a}}))),
             QStringLiteral("ok"));
    for (TestClient *c : {aliceFrames.get(), bobFrames.get()}) {
        QVERIFY(c->waitFor([&](const QJsonObject &o) {
            return type(o) == QLatin1String("contacts") && !o.value(QStringLiteral("contacts")).toArray().isEmpty();
        }));
    }
    // Between the request and the accept, no roster reload reached the sessions with frames
    // (each session's pushes leave in order, so a reload would come before the accept's).
    for (auto [c, from] : {std::pair{aliceFrames.get(), aliceFrom}, std::pair{bobFrames.get(), bobFrom}}) {
        int lists = 0;
        for (qsizetype i = from; i < c->log().size(); ++i)
            lists += type(c->log().at(i).message) == QLatin1String("contacts");
        QCOMPARE(lists, 1);
    }
}

QTEST_GUILESS_MAIN(TestContactChanges)
#include "TestContactChanges.moc"
