// End to end against a real presently-server process over real sockets, on its embedded store or
// (PRESENTLY_TEST_DB=postgresql) a real PostgreSQL server.
#include "HeartbeatLoop.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestDatabase.h"
#include "TestUsers.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <memory>

using namespace TestUsers;

namespace {
constexpr int kTtlMs = 1000;
constexpr int kHeartbeatMs = 300;
const QString kPassword = QStringLiteral("correct horse");
} // namespace

class TestGateway : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void registersAndSignsIn();
    void refusesBadSignIns();
    void refusesFramesBeforeWelcome_data();
    void refusesFramesBeforeWelcome();
    void closesSlowSignIn();
    void keepsConnectionOnBadRequests();
    void closesOversizedFrame();
    void answersHeartbeatsWithTheirId();
    void refusesLongCidAsTooLarge();
    void rateLimits();
    void contactRequestsFlow();
    void pushesPresenceChanges();
    void cleanCloseShowsOfflineAtOnce();
    void uncleanDropShowsOfflineAfterTtl();
    void reconnectWithinTtlShowsNoOffline();
    void presenceIsPrivate();
    void logoutRevokesToken();
    void logoutEndsEverySessionOfThatToken();
    void logoutAllEndsEverything();
    void changePasswordKeepsOnlyThisSession();
    void fullGatewayRefusesWith4003AndRecovers();
    void oneUsersConnectionsShareOneRate();
    void blockingEndsTheContactAndDropsRequests();
    void declinedRequestIsNotRepeatedForADay();
    void quotaDiskAndRetention();
    void waitingRequestsAreCapped();
    void sigtermClosesWith1001(); // ends the suite's gateway: last of those using it
    void databaseIsPrivate();
    void closedRegistrationAndAdminCommands();
    void registrationByInvitation();
    void weakHashIsReplacedAtSignIn();

private:
    std::unique_ptr<TestClient> signedIn(const QString &user, bool create = true,
                                         const QString &device = QStringLiteral("desktop"));
    QString uniqueName(const char *base);
    // A new empty database on the run's engine: its --db URL.
    QString database(const QString &name);

    QTemporaryDir m_dir;
    TestDatabase m_database;
    ServerProcess m_server;
    int m_names = 0;
};

void TestGateway::initTestCase()
{
    QString error;
    QVERIFY2(m_database.start(&error), qPrintable(error));
    qInfo("on %s", qPrintable(m_database.engineName()));
    QVERIFY2(
        m_server.start({QStringLiteral("--db"), database(QStringLiteral("db")), QStringLiteral("--presence-ttl-ms"),
                        QString::number(kTtlMs), QStringLiteral("--heartbeat-interval-ms"),
                        QString::number(kHeartbeatMs), QStringLiteral("--auth-timeout-ms"), QStringLiteral("1500"),
                        QStringLiteral("--server-id"), QStringLiteral("gw-test"),
                        // Every test here signs in from 127.0.0.1, some with wrong passwords on
                        // purpose: the address's throttle is tested elsewhere (TestHostileClients).
                        QStringLiteral("--failed-sign-ins-per-address"), QStringLiteral("100000")},
                       &error),
        qPrintable(error));
}

void TestGateway::cleanupTestCase()
{
    m_server.kill();
}

QString TestGateway::database(const QString &name)
{
    QString error;
    const QString url = m_database.create(name, &error);
    if (url.isEmpty())
        qWarning("database %s: %s", qPrintable(name), qPrintable(error));
    return url;
}

QString TestGateway::uniqueName(const char *base)
{
    return QStringLiteral("%1%2").arg(QLatin1String(base)).arg(++m_names);
}

std::unique_ptr<TestClient> TestGateway::signedIn(const QString &user, bool create, const QString &device)
{
    return TestUsers::signedIn(m_server.url(), user, kPassword, create, device);
}

namespace {
// The answer to a hello or register: welcome, or the error.
bool answersSignIn(const QJsonObject &m)
{
    const QString t = m.value(QStringLiteral("type")).toString();
    return t == QStringLiteral("welcome") || t == QStringLiteral("error");
}

// What a new connection's hello with `token` is answered: the error code, or "welcome".
QString answerToToken(const QUrl &url, const QString &token)
{
    TestClient client;
    if (!client.open(url))
        return QStringLiteral("<no connection>");
    client.send(obj({{QStringLiteral("type"), QStringLiteral("hello")}, {QStringLiteral("token"), token}}));
    const auto answer = client.waitFor(answersSignIn);
    return type(answer) == QStringLiteral("welcome") ? QStringLiteral("welcome") : code(answer);
}
} // namespace

void TestGateway::registersAndSignsIn()
{
    const QString name = uniqueName("alice");
    TestClient first;
    QVERIFY(first.open(m_server.url()));
    first.send(obj({{QStringLiteral("type"), QStringLiteral("register")},
                    {QStringLiteral("v"), 1},
                    {QStringLiteral("user"), name.toUpper()},
                    {QStringLiteral("password"), kPassword},
                    {QStringLiteral("device"), QStringLiteral("desktop")}}));
    const auto welcome = first.waitForType(QStringLiteral("welcome"), 20000);
    QVERIFY(welcome);
    QCOMPARE(welcome->value(QStringLiteral("user")).toString(), name); // folded to lower case
    QCOMPARE(welcome->value(QStringLiteral("v")).toInt(), 1);
    QCOMPARE(welcome->value(QStringLiteral("server")).toString(), QStringLiteral("gw-test"));
    QCOMPARE(welcome->value(QStringLiteral("heartbeat_interval")).toInt(), kHeartbeatMs);
    QCOMPARE(welcome->value(QStringLiteral("presence_ttl")).toInt(), kTtlMs);
    QVERIFY(welcome->value(QStringLiteral("session")).toString().startsWith(QStringLiteral("s-")));
    QVERIFY(qAbs(welcome->value(QStringLiteral("ts")).toDouble() - testNowMs()) < 60000);
    QCOMPARE(welcome->value(QStringLiteral("limits")).toObject().value(QStringLiteral("rate_burst")).toInt(), 40);
    const QString token = welcome->value(QStringLiteral("token")).toString();
    QVERIFY(token.size() >= 43);
    const auto contacts = first.waitForType(QStringLiteral("contacts"));
    QVERIFY(contacts);
    QVERIFY(contacts->value(QStringLiteral("contacts")).toArray().isEmpty());

    first.send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(first.waitForType(QStringLiteral("heartbeat_ack")));

    auto second = signedIn(name, false, QStringLiteral("laptop"));
    QVERIFY(second);
    const QString secondToken = second->log().first().message.value(QStringLiteral("token")).toString();
    QVERIFY(secondToken != token); // each password hello issues a new token

    TestClient third;
    QVERIFY(third.open(m_server.url()));
    third.send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                    {QStringLiteral("v"), 1},
                    {QStringLiteral("token"), token}}));
    const auto byToken = third.waitForType(QStringLiteral("welcome"));
    QVERIFY(byToken);
    QCOMPARE(byToken->value(QStringLiteral("token")).toString(), token);
    QCOMPARE(byToken->value(QStringLiteral("user")).toString(), name);
}

void TestGateway::refusesBadSignIns()
{
    const QString name = uniqueName("bob");
    QVERIFY(signedIn(name));

    auto attempt = [this](const QJsonObject &hello) {
        TestClient c;
        if (!c.open(m_server.url()))
            return std::make_pair(QStringLiteral("<no connection>"), -1);
        c.send(hello);
        const auto error = c.waitForType(QStringLiteral("error"), 20000);
        c.waitForClosed();
        return std::make_pair(code(error) + QLatin1Char('|') +
                                  (error ? error->value(QStringLiteral("message")).toString() : QString()),
                              c.closeCode());
    };
    const auto wrongPassword = attempt(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                                            {QStringLiteral("user"), name},
                                            {QStringLiteral("password"), QStringLiteral("wrong password")}}));
    const auto unknownUser = attempt(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                                          {QStringLiteral("user"), QStringLiteral("nobody-here")},
                                          {QStringLiteral("password"), kPassword}}));
    const auto badToken = attempt(
        obj({{QStringLiteral("type"), QStringLiteral("hello")}, {QStringLiteral("token"), QStringLiteral("forged")}}));
    const auto taken = attempt(obj({{QStringLiteral("type"), QStringLiteral("register")},
                                    {QStringLiteral("user"), name},
                                    {QStringLiteral("password"), kPassword}}));
    QVERIFY(wrongPassword.first.startsWith(QStringLiteral("auth_failed|")));
    QCOMPARE(wrongPassword.second, 4001);
    // Wrong user and wrong password are indistinguishable.
    QCOMPARE(unknownUser, wrongPassword);
    QCOMPARE(badToken, wrongPassword);
    QVERIFY(taken.first.startsWith(QStringLiteral("user_exists|")));
    QCOMPARE(taken.second, 4001);
}

void TestGateway::refusesFramesBeforeWelcome_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("code");
    QTest::newRow("not json") << QByteArray("{nope") << QStringLiteral("bad_json");
    QTest::newRow("heartbeat") << QByteArray(R"({"type":"heartbeat"})") << QStringLiteral("not_authenticated");
    QTest::newRow("unknown type") << QByteArray(R"({"type":"dance","id":3})") << QStringLiteral("not_authenticated");
    QTest::newRow("no type") << QByteArray(R"({"user":"x"})") << QStringLiteral("not_authenticated");
    QTest::newRow("faulty hello") << QByteArray(R"({"type":"hello","user":"x"})") << QStringLiteral("bad_request");
    QTest::newRow("long password") << QByteArray("{\"type\":\"register\",\"user\":\"zed\",\"password\":\"" +
                                                 QByteArray(1100, 'p') + "\"}")
                                   << QStringLiteral("too_large");
}

void TestGateway::refusesFramesBeforeWelcome()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, code);
    TestClient c;
    QVERIFY(c.open(m_server.url()));
    c.sendText(QString::fromUtf8(frame));
    const auto error = c.waitForType(QStringLiteral("error"));
    QCOMPARE(TestUsers::code(error), code);
    QVERIFY(c.waitForClosed());
    QCOMPARE(c.closeCode(), 4001);
}

void TestGateway::closesSlowSignIn()
{
    TestClient c;
    QVERIFY(c.open(m_server.url()));
    const qint64 openedAt = testNowMs();
    QVERIFY(c.waitForClosed(10000));
    QCOMPARE(c.closeCode(), 4001);
    QVERIFY(testNowMs() - openedAt >= 1400);
}

void TestGateway::keepsConnectionOnBadRequests()
{
    auto c = signedIn(uniqueName("carol"));
    QVERIFY(c);
    const QList<QPair<QByteArray, QString>> cases = {
        {"{broken", QStringLiteral("bad_json")},
        {"[1]", QStringLiteral("bad_json")},
        {R"({"type":"dance","id":1})", QStringLiteral("unknown_type")},
        {R"({"type":"query","id":2,"users":"bob"})", QStringLiteral("bad_request")},
        {"{\"type\":\"set_status\",\"id\":3,\"text\":\"" + QByteArray(200, 'x') + "\"}", QStringLiteral("too_large")},
        {R"({"type":"contact_add","id":4,"user":"no-such-user"})", QStringLiteral("not_found")},
        {R"({"type":"hello","id":5,"user":"carol","password":"whatever1"})", QStringLiteral("bad_request")},
    };
    for (const auto &[frame, expected] : cases) {
        c->sendText(QString::fromUtf8(frame));
        const auto error = c->waitForType(QStringLiteral("error"));
        QVERIFY2(code(error) == expected,
                 qPrintable(QString::fromUtf8(frame.left(60)) + QStringLiteral(" -> ") + code(error)));
    }
    c->sendBinary("binary data");
    QCOMPARE(code(c->waitForType(QStringLiteral("error"))), QStringLiteral("bad_json"));
    const auto error =
        c->request(obj({{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), 5}}));
    QCOMPARE(error->value(QStringLiteral("id")).toInt(), 1 /* the request's own id */);
    c->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(c->waitForType(QStringLiteral("heartbeat_ack")));
    QVERIFY(c->isConnected());
}

void TestGateway::answersHeartbeatsWithTheirId()
{
    auto c = signedIn(uniqueName("hazel"));
    QVERIFY(c);
    // The reply to a request with an id carries that id, heartbeats included (PROTOCOL.md, Transport).
    const QList<QPair<QByteArray, QJsonValue>> cases = {
        {R"({"type":"heartbeat","id":7})", 7},
        {R"({"type":"heartbeat","id":"hb-8"})", QStringLiteral("hb-8")},
        {R"({"id":9,"type":"heartbeat","status":"idle"})", 9},
        {R"({"type":"heartbeat","status":"active","id":"x"})", QStringLiteral("x")},
        {R"({"type":"heartbeat","id":0})", 0},
    };
    for (const auto &[frame, id] : cases) {
        c->sendText(QString::fromUtf8(frame));
        const auto ack = c->waitForType(QStringLiteral("heartbeat_ack"));
        QVERIFY2(ack, frame.constData());
        QVERIFY2(ack->value(QStringLiteral("id")) == id, frame.constData());
        QVERIFY(qAbs(ack->value(QStringLiteral("ts")).toDouble() - testNowMs()) < 60000);
    }
    // Without an id the ack has none (the gateway's prebuilt frame).
    c->sendText(QStringLiteral(R"({"type":"heartbeat"})"));
    const auto plain = c->waitForType(QStringLiteral("heartbeat_ack"));
    QVERIFY(plain);
    QVERIFY(!plain->contains(QStringLiteral("id")));
    QCOMPARE(plain->keys(), (QStringList{QStringLiteral("ts"), QStringLiteral("type")}));
}

void TestGateway::refusesLongCidAsTooLarge()
{
    const QString a = uniqueName("ivy");
    const QString b = uniqueName("jack");
    auto ivy = signedIn(a);
    auto jack = signedIn(b);
    QVERIFY(ivy && jack);
    QVERIFY(befriend(*ivy, a, *jack, b));
    auto sendWithCid = [&](const QString &cid) {
        return ivy->request(obj({{QStringLiteral("type"), QStringLiteral("send")},
                                 {QStringLiteral("to"), b},
                                 {QStringLiteral("cid"), cid},
                                 {QStringLiteral("body"), QStringLiteral("hi")}}));
    };
    // A field over its limit is too_large (PROTOCOL.md, Errors), the cid's 64 characters too.
    const auto tooLong = sendWithCid(QString(65, QLatin1Char('c')));
    QCOMPARE(code(tooLong), QStringLiteral("too_large"));
    QVERIFY(tooLong->value(QStringLiteral("message")).toString().contains(QStringLiteral("cid")));
    QCOMPARE(type(sendWithCid(QString(64, QLatin1Char('c')))), QStringLiteral("sent"));
    // Too short is a faulty field, not an oversized one.
    QCOMPARE(code(sendWithCid(QString())), QStringLiteral("bad_request"));
    QVERIFY(ivy->isConnected());
}

void TestGateway::closesOversizedFrame()
{
    auto bystander = signedIn(uniqueName("dave"));
    QVERIFY(bystander);
    auto c = signedIn(uniqueName("erin"));
    QVERIFY(c);
    c->sendText(QString(70 * 1024, QLatin1Char('x')));
    QVERIFY(c->waitForClosed());
    QCOMPARE(c->closeCode(), 1009);
    bystander->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(bystander->waitForType(QStringLiteral("heartbeat_ack")));
}

void TestGateway::rateLimits()
{
    auto c = signedIn(uniqueName("frank"));
    QVERIFY(c);
    // 60 requests at once: the bucket of 40 runs dry, the rest are refused but the socket stays.
    for (int i = 0; i < 60; ++i)
        c->send(obj({{QStringLiteral("type"), QStringLiteral("query")},
                     {QStringLiteral("id"), 1000 + i},
                     {QStringLiteral("users"), QJsonArray{}}}));
    int answered = 0;
    int limited = 0;
    while (answered + limited < 60) {
        const auto reply =
            c->waitFor([](const QJsonObject &o) { return o.value(QStringLiteral("id")).toInt() >= 1000; });
        QVERIFY(reply);
        if (code(reply) == QLatin1String("rate_limited"))
            ++limited;
        else
            ++answered;
    }
    QVERIFY2(limited >= 15 && answered >= 40,
             qPrintable(QStringLiteral("%1 answered, %2 limited").arg(answered).arg(limited)));
    // Heartbeats do not draw from the request bucket.
    c->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(c->waitForType(QStringLiteral("heartbeat_ack")));
    QVERIFY(c->isConnected());

    // A flood of any frames empties the second bucket: closed with 1008.
    for (int i = 0; i < 300; ++i)
        c->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(c->waitForClosed());
    QVERIFY2(c->closeCode() == 1008, qPrintable(QStringLiteral("%1 %2").arg(c->closeCode()).arg(c->closeReason())));
}

void TestGateway::contactRequestsFlow()
{
    const QString a = uniqueName("gina");
    const QString b = uniqueName("hank");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);

    QCOMPARE(code(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), a}}))),
             QStringLiteral("bad_request"));
    QCOMPARE(code(alice->request(obj({{QStringLiteral("type"), QStringLiteral("contact_add")},
                                      {QStringLiteral("user"), QStringLiteral("ghost-user")}}))),
             QStringLiteral("not_found"));
    QCOMPARE(code(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_accept")}, {QStringLiteral("user"), b}}))),
             QStringLiteral("not_found"));

    QCOMPARE(type(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), b}}))),
             QStringLiteral("ok"));
    const auto request = bob->waitForType(QStringLiteral("contact_request"));
    QVERIFY(request);
    QCOMPARE(request->value(QStringLiteral("from")).toString(), a);
    const auto bobContacts = bob->waitForType(QStringLiteral("contacts"));
    QCOMPARE(bobContacts->value(QStringLiteral("requests")).toArray(), QJsonArray{a});
    const auto aliceContacts = alice->waitForType(QStringLiteral("contacts"));
    QCOMPARE(aliceContacts->value(QStringLiteral("pending")).toArray(), QJsonArray{b});

    // A request waits for a user who signs in later.
    const QString c = uniqueName("ivan");
    QVERIFY(signedIn(c));
    QCOMPARE(type(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), c}}))),
             QStringLiteral("ok"));
    TestClient carol;
    QVERIFY(carol.open(m_server.url()));
    carol.send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                    {QStringLiteral("user"), c},
                    {QStringLiteral("password"), kPassword}}));
    QVERIFY(carol.waitForType(QStringLiteral("welcome"), 20000));
    const auto carolContacts = carol.waitForType(QStringLiteral("contacts"));
    QCOMPARE(carolContacts->value(QStringLiteral("requests")).toArray(), QJsonArray{a});

    QCOMPARE(type(bob->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_accept")}, {QStringLiteral("user"), a}}))),
             QStringLiteral("ok"));
    const auto now = bob->waitForPresence(a, QStringLiteral("online"));
    QVERIFY(now);
    QCOMPARE(now->value(QStringLiteral("devices")).toArray(), QJsonArray{QStringLiteral("desktop")});
    QVERIFY(alice->waitForPresence(b, QStringLiteral("online")));
    // Accepting again, or adding an existing contact, is ok.
    QCOMPARE(type(bob->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_accept")}, {QStringLiteral("user"), a}}))),
             QStringLiteral("ok"));
    QCOMPARE(type(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), b}}))),
             QStringLiteral("ok"));

    QCOMPARE(type(alice->request(
                 obj({{QStringLiteral("type"), QStringLiteral("contact_remove")}, {QStringLiteral("user"), b}}))),
             QStringLiteral("ok"));
    const auto emptied = bob->waitFor([](const QJsonObject &o) {
        return o.value(QStringLiteral("type")).toString() == QLatin1String("contacts") &&
               o.value(QStringLiteral("contacts")).toArray().isEmpty();
    });
    QVERIFY(emptied);
}

void TestGateway::pushesPresenceChanges()
{
    const QString a = uniqueName("jane");
    const QString b = uniqueName("karl");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));

    alice->send(obj(
        {{QStringLiteral("type"), QStringLiteral("heartbeat")}, {QStringLiteral("status"), QStringLiteral("idle")}}));
    const auto idle = bob->waitForPresence(a, QStringLiteral("idle"));
    QVERIFY(idle);
    QVERIFY(qAbs(idle->value(QStringLiteral("last_seen")).toDouble() - testNowMs()) < 5000);

    auto laptop = signedIn(a, false, QStringLiteral("laptop"));
    QVERIFY(laptop);
    const auto both = bob->waitForPresence(a, QStringLiteral("online"));
    QVERIFY(both);
    QCOMPARE(both->value(QStringLiteral("devices")).toArray(),
             (QJsonArray{QStringLiteral("desktop"), QStringLiteral("laptop")}));

    QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                      {QStringLiteral("mode"), QStringLiteral("dnd")},
                                      {QStringLiteral("text"), QStringLiteral("in a meeting")}}))),
             QStringLiteral("ok"));
    const auto dnd = bob->waitForPresence(a, QStringLiteral("dnd"));
    QVERIFY(dnd);
    QCOMPARE(dnd->value(QStringLiteral("text")).toString(), QStringLiteral("in a meeting"));

    QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                      {QStringLiteral("mode"), QStringLiteral("invisible")}}))),
             QStringLiteral("ok"));
    const auto invisible = bob->waitForPresence(a, QStringLiteral("offline"));
    QVERIFY(invisible);
    QCOMPARE(invisible->value(QStringLiteral("text")).toString(), QString());
    QCOMPARE(invisible->value(QStringLiteral("devices")).toArray(), QJsonArray{});

    // Mode and text are stored: a new sign-in keeps them.
    QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                      {QStringLiteral("mode"), QStringLiteral("auto")}}))),
             QStringLiteral("ok"));
    const auto back = bob->waitForPresence(a, QStringLiteral("online"));
    QVERIFY(back);
    QCOMPARE(back->value(QStringLiteral("text")).toString(), QStringLiteral("in a meeting"));

    // The user may query themselves.
    const auto self = alice->request(
        obj({{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), QJsonArray{a}}}));
    QCOMPARE(
        self->value(QStringLiteral("users")).toArray().first().toObject().value(QStringLiteral("status")).toString(),
        QStringLiteral("online"));
}

void TestGateway::cleanCloseShowsOfflineAtOnce()
{
    const QString a = uniqueName("lena");
    const QString b = uniqueName("mark");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    QCOMPARE(bob->presenceHistory(a).constLast().first, QStringLiteral("online"));

    const qint64 byeAt = testNowMs();
    alice->send(obj({{QStringLiteral("type"), QStringLiteral("bye")}}));
    const auto offline = bob->waitForPresence(a, QStringLiteral("offline"));
    QVERIFY(offline);
    const qint64 latency = bob->log().last().atMs - byeAt;
    QVERIFY2(latency < 1000, qPrintable(QStringLiteral("bye to offline took %1 ms").arg(latency)));
    QVERIFY(alice->waitForClosed());
    QCOMPARE(alice->closeCode(), 1000);

    auto again = signedIn(a, false);
    QVERIFY(again);
    QVERIFY(bob->waitForPresence(a, QStringLiteral("online")));
    const qint64 closeAt = testNowMs();
    again->closeCleanly();
    QVERIFY(bob->waitForPresence(a, QStringLiteral("offline")));
    QVERIFY(bob->log().last().atMs - closeAt < 1000);
}

void TestGateway::uncleanDropShowsOfflineAfterTtl()
{
    const QString a = uniqueName("nina");
    const QString b = uniqueName("otto");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    QCOMPARE(bob->presenceHistory(a).constLast().first, QStringLiteral("online"));
    // Keep bob alive while waiting.
    HeartbeatLoop heartbeat;
    heartbeat.start({bob.get()}, kHeartbeatMs);

    alice->send(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}));
    QVERIFY(alice->waitForType(QStringLiteral("heartbeat_ack")));
    const qint64 lastFrame = alice->lastSentAtMs();
    alice->dropUncleanly();
    const auto offline = bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 5000);
    QVERIFY(offline);
    const qint64 after = bob->log().last().atMs - lastFrame;
    QVERIFY2(after >= kTtlMs && after <= kTtlMs + 2000,
             qPrintable(QStringLiteral("offline %1 ms after the last frame (TTL %2)").arg(after).arg(kTtlMs)));
    qInfo("unclean drop: offline %lld ms after the last frame (TTL %d ms)", after, kTtlMs);
}

void TestGateway::reconnectWithinTtlShowsNoOffline()
{
    const QString a = uniqueName("pia");
    const QString b = uniqueName("quinn");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    QCOMPARE(bob->presenceHistory(a).constLast().first, QStringLiteral("online"));
    HeartbeatLoop heartbeat;
    heartbeat.start([&] { return QList<TestClient *>{bob.get(), alice.get()}; }, kHeartbeatMs);

    const QString token = alice->log().first().message.value(QStringLiteral("token")).toString();
    alice->dropUncleanly();
    alice = std::make_unique<TestClient>();
    QVERIFY(alice->open(m_server.url()));
    alice->send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                     {QStringLiteral("token"), token},
                     {QStringLiteral("device"), QStringLiteral("desktop")}}));
    QVERIFY(alice->waitForType(QStringLiteral("welcome")));
    // The old session runs out its TTL meanwhile; bob must never see alice offline.
    QVERIFY(!bob->waitForPresence(a, QStringLiteral("offline"), kTtlMs + 2000));
    const auto history = bob->presenceHistory(a);
    for (const auto &[status, at] : history)
        QVERIFY2(status != QLatin1String("offline"), "a reconnect within the TTL showed offline");
}

void TestGateway::presenceIsPrivate()
{
    const QString a = uniqueName("rita");
    const QString e = uniqueName("eve");
    auto alice = signedIn(a);
    auto eve = signedIn(e);
    QVERIFY(alice && eve);
    const auto query = eve->request(obj({{QStringLiteral("type"), QStringLiteral("query")},
                                         {QStringLiteral("users"), QJsonArray{a, QStringLiteral("no-such-one")}}}));
    QVERIFY(query);
    const QJsonArray users = query->value(QStringLiteral("users")).toArray();
    QCOMPARE(users.size(), 2);
    QCOMPARE(users[0].toObject(),
             (QJsonObject{{QStringLiteral("user"), a}, {QStringLiteral("status"), QStringLiteral("unknown")}}));
    QCOMPARE(users[1].toObject().value(QStringLiteral("status")).toString(), QStringLiteral("unknown"));
    const auto subscribed = eve->request(
        obj({{QStringLiteral("type"), QStringLiteral("subscribe")}, {QStringLiteral("users"), QJsonArray{a}}}));
    QCOMPARE(subscribed->value(QStringLiteral("users"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("unknown"));
    // Alice changes; eve is told nothing. A change of eve's own contact proves delivery has run.
    QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                      {QStringLiteral("mode"), QStringLiteral("dnd")}}))),
             QStringLiteral("ok"));
    const QString f = uniqueName("fred");
    auto fred = signedIn(f);
    QVERIFY(fred);
    QVERIFY(befriend(*eve, e, *fred, f));
    fred->closeCleanly();
    QVERIFY(eve->waitForPresence(f, QStringLiteral("offline")));
    QVERIFY(eve->presenceHistory(a).isEmpty() || eve->presenceHistory(a).constLast().first == QLatin1String("unknown"));
}

void TestGateway::logoutRevokesToken()
{
    const QString a = uniqueName("sam");
    auto alice = signedIn(a);
    QVERIFY(alice);
    const QString token = alice->log().first().message.value(QStringLiteral("token")).toString();
    alice->send(obj({{QStringLiteral("type"), QStringLiteral("logout")}}));
    QVERIFY(alice->waitForClosed());
    QCOMPARE(alice->closeCode(), 1000);
    QCOMPARE(answerToToken(m_server.url(), token), QStringLiteral("auth_failed"));
}

void TestGateway::logoutEndsEverySessionOfThatToken()
{
    // A token shared by two windows: logging out in one ends the other; another device stays.
    const QString a = uniqueName("tess");
    auto first = signedIn(a);
    QVERIFY(first);
    auto sameToken = signedInByToken(m_server.url(), tokenOf(*first));
    auto otherDevice = signedIn(a, false, QStringLiteral("phone"));
    QVERIFY(sameToken && otherDevice);
    first->send(obj({{QStringLiteral("type"), QStringLiteral("logout")}}));
    QVERIFY(first->waitForClosed());
    QVERIFY(sameToken->waitForClosed());
    QCOMPARE(sameToken->closeCode(), 4001);
    QVERIFY(otherDevice->request(
        obj({{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), QJsonArray{a}}})));
    QVERIFY(otherDevice->isConnected());
}

void TestGateway::logoutAllEndsEverything()
{
    const QString a = uniqueName("ursa");
    auto laptop = signedIn(a);
    auto phone = signedIn(a, false, QStringLiteral("phone"));
    QVERIFY(laptop && phone);
    const QString laptopToken = tokenOf(*laptop);
    const QString phoneToken = tokenOf(*phone);
    QCOMPARE(type(phone->request(obj({{QStringLiteral("type"), QStringLiteral("logout_all")}}))), QStringLiteral("ok"));
    QVERIFY(phone->waitForClosed());
    QVERIFY(laptop->waitForClosed());
    QCOMPARE(laptop->closeCode(), 4001);
    for (const QString &token : {laptopToken, phoneToken})
        QCOMPARE(answerToToken(m_server.url(), token), QStringLiteral("auth_failed"));
    QVERIFY(signedIn(a, false)); // the password still works
}

void TestGateway::changePasswordKeepsOnlyThisSession()
{
    const QString a = uniqueName("vera");
    auto here = signedIn(a);
    auto stolen = signedIn(a, false, QStringLiteral("stolen laptop"));
    QVERIFY(here && stolen);
    const QString stolenToken = tokenOf(*stolen);
    const auto change = [&](const QString &oldPassword, const QString &newPassword) {
        return here->request(obj({{QStringLiteral("type"), QStringLiteral("change_password")},
                                  {QStringLiteral("old_password"), oldPassword},
                                  {QStringLiteral("password"), newPassword}}));
    };
    QCOMPARE(code(change(QStringLiteral("not the password"), QStringLiteral("new horse battery"))),
             QStringLiteral("auth_failed"));
    QVERIFY(here->isConnected() && stolen->isConnected()); // nothing changed
    QCOMPARE(code(change(kPassword, QStringLiteral("short"))), QStringLiteral("bad_request"));
    QCOMPARE(type(change(kPassword, QStringLiteral("new horse battery"))), QStringLiteral("ok"));
    QVERIFY(stolen->waitForClosed());
    QCOMPARE(stolen->closeCode(), 4001);
    QVERIFY(here->request(
        obj({{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), QJsonArray{a}}})));
    QVERIFY(here->isConnected());
    QCOMPARE(answerToToken(m_server.url(), stolenToken), QStringLiteral("auth_failed"));
    TestClient oldPassword;
    QVERIFY(oldPassword.open(m_server.url()));
    oldPassword.send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                          {QStringLiteral("user"), a},
                          {QStringLiteral("password"), kPassword}}));
    QCOMPARE(code(oldPassword.waitForType(QStringLiteral("error"))), QStringLiteral("auth_failed"));
    QVERIFY(TestUsers::signedIn(m_server.url(), a, QStringLiteral("new horse battery"), false));
}

void TestGateway::fullGatewayRefusesWith4003AndRecovers()
{
#ifndef Q_OS_UNIX
    QSKIP("sets the server's open-file limit with setrlimit");
#else
    // 96 open files: the gateway holds 32 connections (64 are kept for its own files).
    constexpr int kHeld = 32;
    ServerProcess server;
    server.setOpenFileLimit(96);
    QString error;
    QVERIFY2(server.start({QStringLiteral("--db"), database(QStringLiteral("full")),
                           QStringLiteral("--auth-timeout-ms"), QStringLiteral("60000")},
                          &error),
             qPrintable(error));

    // Connections that have come and gone give their files back: more of them than the limit
    // first, one after another (a socket kept after its WebSocket is gone would fill the gateway).
    for (int i = 0; i < 80; ++i) {
        TestClient passing;
        QVERIFY2(passing.open(server.url()), qPrintable(QStringLiteral("connection %1 after %1 closed ones").arg(i)));
        passing.closeCleanly();
        QVERIFY(passing.waitForClosed());
    }

    // Past the limit, connections are told to come back later, not left hanging.
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < kHeld + 8; ++i) {
        clients.push_back(std::make_unique<TestClient>());
        clients.back()->open(server.url()); // false for those refused at once
    }
    const auto closed = [&] {
        return std::count_if(clients.begin(), clients.end(), [](const auto &c) { return c->waitForClosed(0); });
    };
    QTRY_COMPARE_WITH_TIMEOUT(closed(), 8L, 5000);
    for (const auto &c : clients) {
        if (c->waitForClosed(0))
            QCOMPARE(c->closeCode(), 4003);
    }
    // The operator is told who holds the connections.
    QVERIFY2(server.output().contains("Top users: ") && server.output().contains("top addresses: 127.0.0.1 "),
             server.output().constData());

    // A hostile peer opens raw TCP connections that never finish a handshake, more than the
    // process has files for: accepting pauses short of the limit (rather than spin on EMFILE)
    // and resumes once they are gone.
    std::vector<std::unique_ptr<QTcpSocket>> raw;
    for (int i = 0; i < 80; ++i) {
        raw.push_back(std::make_unique<QTcpSocket>());
        raw.back()->connectToHost(QHostAddress::LocalHost, server.port());
    }
    QTRY_VERIFY2_WITH_TIMEOUT(server.output().contains("the most this process can hold"), server.output().constData(),
                              10000);
    raw.clear();
    clients.clear();

    auto late = TestUsers::signedIn(server.url(), uniqueName("late"), kPassword, true, QStringLiteral("desktop"));
    QVERIFY2(late, "a connection after the flood could not sign in");
    late->send({{QStringLiteral("type"), QStringLiteral("heartbeat")}});
    QVERIFY(late->waitForType(QStringLiteral("heartbeat_ack")));
#endif
}

void TestGateway::sigtermClosesWith1001()
{
    auto alice = signedIn(uniqueName("tom"));
    QVERIFY(alice);
    m_server.terminate();
    QVERIFY(alice->waitForClosed());
    QCOMPARE(alice->closeCode(), 1001);
    QVERIFY(m_server.waitForExit(10000));
    QCOMPARE(m_server.exitCode(), 0);
}

void TestGateway::databaseIsPrivate()
{
    // Password hashes, tokens and messages: a folder the server makes is 0700, its database and
    // the files SQLite keeps beside it 0600, whatever the umask.
    if (m_database.isPostgres())
        QSKIP("file modes are SQLite's; a PostgreSQL server keeps its own files");
    const QString folder = m_dir.filePath(QStringLiteral("private/data"));
    ServerProcess server;
    QString error;
    QVERIFY2(server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + folder + QStringLiteral("/p.sqlite")},
                          &error),
             qPrintable(error));
    TestClient client;
    QVERIFY(client.signIn(server.url(), QStringLiteral("private"), QStringLiteral("correct horse"), true));
    const QFile::Permissions notOwner =
        QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    QCOMPARE(QFile::permissions(folder) & notOwner, QFile::Permissions());
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        const QString path = folder + QStringLiteral("/p.sqlite") + suffix;
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        QVERIFY2((QFile::permissions(path) & notOwner) == 0, qPrintable(path));
    }
    server.kill();
}

namespace {
// `presently-server ARGS` run to its end with `input` on standard input: exit status and output.
QPair<int, QString> admin(const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.setProgram(QStringLiteral(PRESENTLY_SERVER_BINARY));
    process.setArguments(arguments);
    process.start();
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(30000))
        return {-1, QString()};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError())};
}

// The exit status of `presently-server user ACTION NAME --db DB`, `password` typed in.
int userCommand(const QString &action, const QString &name, const QString &db, const QByteArray &password = {})
{
    return admin({QStringLiteral("user"), action, name, QStringLiteral("--db"), db}, password).first;
}

std::optional<QJsonObject> registerAnswer(const QUrl &url, const QString &user, const QString &invite = {})
{
    TestClient client;
    if (!client.open(url))
        return std::nullopt;
    QJsonObject hello{{QStringLiteral("type"), QStringLiteral("register")},
                      {QStringLiteral("user"), user},
                      {QStringLiteral("password"), QStringLiteral("correct horse")}};
    if (!invite.isEmpty())
        hello.insert(QStringLiteral("invite"), invite);
    client.send(hello);
    return client.waitFor(answersSignIn);
}
} // namespace

void TestGateway::closedRegistrationAndAdminCommands()
{
    const QString db = database(QStringLiteral("closed"));
    ServerProcess server;
    QString error;
    QVERIFY2(
        server.start({QStringLiteral("--db"), db, QStringLiteral("--registration"), QStringLiteral("closed")}, &error),
        qPrintable(error));
    QCOMPARE(code(registerAnswer(server.url(), QStringLiteral("zoe"))), QStringLiteral("forbidden"));
    // The admin makes the account, against the same database, while the gateway runs.
    QCOMPARE(userCommand(QStringLiteral("add"), QStringLiteral("Zoe"), db, "first password\n"), 0);
    QCOMPARE(userCommand(QStringLiteral("add"), QStringLiteral("zoe"), db, "first password\n"), 1); // exists
    QCOMPARE(userCommand(QStringLiteral("add"), QStringLiteral("amy"), db, "short\n"), 2);
    auto zoe = TestUsers::signedIn(server.url(), QStringLiteral("zoe"), QStringLiteral("first password"), false);
    QVERIFY(zoe);
    const QString token = tokenOf(*zoe);
    QCOMPARE(userCommand(QStringLiteral("passwd"), QStringLiteral("zoe"), db, "second password\n"), 0);
    QCOMPARE(answerToToken(server.url(), token), QStringLiteral("auth_failed"));
    QVERIFY(TestUsers::signedIn(server.url(), QStringLiteral("zoe"), QStringLiteral("second password"), false));
    QCOMPARE(userCommand(QStringLiteral("remove"), QStringLiteral("zoe"), db), 0);
    TestClient gone;
    QVERIFY(gone.open(server.url()));
    gone.send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                   {QStringLiteral("user"), QStringLiteral("zoe")},
                   {QStringLiteral("password"), QStringLiteral("second password")}}));
    QCOMPARE(code(gone.waitForType(QStringLiteral("error"))), QStringLiteral("auth_failed"));
    QCOMPARE(admin({QStringLiteral("user"), QStringLiteral("rename"), QStringLiteral("x")}).first, 2);
    QVERIFY(server.output().contains("registration refused: user zoe"));
    server.kill();
}

void TestGateway::registrationByInvitation()
{
    const QString db = database(QStringLiteral("invite"));
    ServerProcess server;
    QString error;
    QVERIFY2(
        server.start({QStringLiteral("--db"), db, QStringLiteral("--registration"), QStringLiteral("token")}, &error),
        qPrintable(error));
    const auto created = admin({QStringLiteral("invite"), QStringLiteral("create"), QStringLiteral("--uses"),
                                QStringLiteral("1"), QStringLiteral("--db"), db});
    QCOMPARE(created.first, 0);
    const QString invite = created.second.split(QLatin1Char('\n')).first().trimmed();
    QVERIFY(!invite.isEmpty());
    QCOMPARE(code(registerAnswer(server.url(), QStringLiteral("ann"))), QStringLiteral("forbidden"));
    QCOMPARE(code(registerAnswer(server.url(), QStringLiteral("ann"), QStringLiteral("made-up"))),
             QStringLiteral("forbidden"));
    QCOMPARE(type(registerAnswer(server.url(), QStringLiteral("ann"), invite)), QStringLiteral("welcome"));
    // Used up: one use only. The refused name is still free.
    QCOMPARE(code(registerAnswer(server.url(), QStringLiteral("ben"), invite)), QStringLiteral("forbidden"));
    QCOMPARE(code(registerAnswer(server.url(), QStringLiteral("ann"), invite)), QStringLiteral("user_exists"));
    server.kill();
}

void TestGateway::weakHashIsReplacedAtSignIn()
{
    // An account whose hash was made with weaker limits (libsodium's minimum, as an older
    // release might have): the next right password replaces it with today's.
    const QString name = QStringLiteral("rehash");
    ServerProcess server;
    QString error;
    QVERIFY2(server.start({QStringLiteral("--db"), database(name)}, &error), qPrintable(error));
    QVERIFY(TestUsers::signedIn(server.url(), QStringLiteral("old"), kPassword, true));
    bool ok = false;
    // "correct horse" at OPSLIMIT_MIN, MEMLIMIT_MIN.
    m_database.query(name,
                     QStringLiteral("UPDATE users SET password_hash = '$argon2id$v=19$m=8,t=1,p=1$"
                                    "3AhF4bXpma7pNFJBdqtFhw$a3vOdUokwR1vuKhgDZyoImvJPzTypuHDeUqV9G3b6/U' "
                                    "WHERE name = 'old'"),
                     &ok);
    QVERIFY(ok);
    const auto hashOf = [&] {
        return m_database.query(name, QStringLiteral("SELECT password_hash FROM users WHERE name = 'old'"));
    };
    QVERIFY(hashOf().startsWith(QLatin1String("$argon2id$v=19$m=8,t=1")));
    QVERIFY(TestUsers::signedIn(server.url(), QStringLiteral("old"), kPassword, false));
    QVERIFY(QTest::qWaitFor([&] { return hashOf().startsWith(QLatin1String("$argon2id$v=19$m=65536,t=2")); }, 5000));
    QVERIFY(TestUsers::signedIn(server.url(), QStringLiteral("old"), kPassword, false)); // and it still signs in
    server.kill();
}

void TestGateway::oneUsersConnectionsShareOneRate()
{
    // Three connections of one account, 25 messages each at once: each connection's own bucket
    // (40) would take them all; the account's (40, shared) takes about 40 of the 75.
    const QString a = uniqueName("xena");
    const QString b = uniqueName("yuri");
    std::vector<std::unique_ptr<TestClient>> tabs;
    tabs.push_back(signedIn(a, true, QStringLiteral("tab")));
    QVERIFY(tabs.back());
    for (int i = 1; i < 3; ++i) {
        tabs.push_back(signedInByToken(m_server.url(), tokenOf(*tabs.front())));
        QVERIFY(tabs.back());
    }
    auto bob = signedIn(b);
    QVERIFY(bob);
    QVERIFY(befriend(*tabs[0], a, *bob, b));
    for (size_t t = 0; t < tabs.size(); ++t) {
        QList<QJsonObject> burst;
        for (int i = 0; i < 25; ++i) {
            burst.append(obj({{QStringLiteral("type"), QStringLiteral("send")},
                              {QStringLiteral("id"), int(t) * 100 + i},
                              {QStringLiteral("to"), b},
                              {QStringLiteral("cid"), QStringLiteral("c%1-%2").arg(t).arg(i)},
                              {QStringLiteral("body"), QStringLiteral("hi")}}));
        }
        tabs[t]->sendAll(burst);
    }
    int sent = 0, limited = 0;
    for (size_t t = 0; t < tabs.size(); ++t) {
        for (int i = 0; i < 25; ++i) {
            const auto answer = tabs[t]->waitFor(
                [&](const QJsonObject &m) {
                    return m.contains(QStringLiteral("id")) &&
                           m.value(QStringLiteral("id")).toInt() == int(t) * 100 + i;
                },
                10000);
            QVERIFY(answer);
            if (type(answer) == QStringLiteral("sent"))
                ++sent;
            else if (code(answer) == QStringLiteral("rate_limited"))
                ++limited;
            else
                qWarning() << "unexpected answer" << *answer;
        }
    }
    qInfo("75 messages from one account's three connections at once: %d stored, %d rate_limited", sent, limited);
    QCOMPARE(sent + limited, 75);
    QVERIFY2(sent >= 35 && sent <= 55, qPrintable(QString::number(sent)));
    for (const auto &tab : tabs)
        QVERIFY(tab->isConnected()); // refused, not cut off
}

void TestGateway::blockingEndsTheContactAndDropsRequests()
{
    const QString a = uniqueName("zara");
    const QString b = uniqueName("moe");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, a, *bob, b));
    const auto ask = [](TestClient &client, const char *kind, const QString &user) {
        return client.request(obj({{QStringLiteral("type"), QLatin1String(kind)}, {QStringLiteral("user"), user}}));
    };
    const auto rosterWithout = [](TestClient &client, const QString &user) {
        return client.waitFor([&](const QJsonObject &m) {
            if (m.value(QStringLiteral("type")).toString() != QStringLiteral("contacts"))
                return false;
            for (const QJsonValue &entry : m.value(QStringLiteral("contacts")).toArray()) {
                if (entry.toObject().value(QStringLiteral("user")).toString() == user)
                    return false;
            }
            return true;
        });
    };
    QCOMPARE(type(ask(*alice, "block", b)), QStringLiteral("ok"));
    const auto own = alice->waitFor([&](const QJsonObject &m) {
        return m.value(QStringLiteral("type")).toString() == QStringLiteral("contacts") &&
               m.value(QStringLiteral("blocked")).toArray() == QJsonArray{b};
    });
    QVERIFY(own);
    QVERIFY(own->value(QStringLiteral("contacts")).toArray().isEmpty());
    QVERIFY(rosterWithout(*bob, a)); // for bob, alice is simply gone
    // Bob can neither write, nor be seen typing, nor see her; his new request is dropped, unsaid.
    QCOMPARE(code(bob->request(obj({{QStringLiteral("type"), QStringLiteral("send")},
                                    {QStringLiteral("to"), a},
                                    {QStringLiteral("cid"), QStringLiteral("after-block")},
                                    {QStringLiteral("body"), QStringLiteral("hello?")}}))),
             QStringLiteral("forbidden"));
    QCOMPARE(code(bob->request(obj({{QStringLiteral("type"), QStringLiteral("typing")},
                                    {QStringLiteral("to"), a},
                                    {QStringLiteral("state"), true}}))),
             QStringLiteral("forbidden"));
    QCOMPARE(type(ask(*bob, "contact_add", a)), QStringLiteral("ok"));
    QVERIFY(alice->request(
        obj({{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), QJsonArray{b}}})));
    QVERIFY(!alice->waitForType(QStringLiteral("contact_request"), 0));
    // Alice cannot ask him either until she unblocks; then his requests reach her again.
    QCOMPARE(code(ask(*alice, "contact_add", b)), QStringLiteral("forbidden"));
    QCOMPARE(type(ask(*alice, "unblock", b)), QStringLiteral("ok"));
    QCOMPARE(type(ask(*bob, "contact_add", a)), QStringLiteral("ok"));
    const auto request = alice->waitForType(QStringLiteral("contact_request"));
    QVERIFY(request);
    QCOMPARE(request->value(QStringLiteral("from")).toString(), b);
}

void TestGateway::declinedRequestIsNotRepeatedForADay()
{
    const QString a = uniqueName("otto");
    const QString b = uniqueName("pia");
    auto alice = signedIn(a);
    auto bob = signedIn(b);
    QVERIFY(alice && bob);
    const auto ask = [](TestClient &client, const char *kind, const QString &user) {
        return client.request(obj({{QStringLiteral("type"), QLatin1String(kind)}, {QStringLiteral("user"), user}}));
    };
    QCOMPARE(type(ask(*alice, "contact_add", b)), QStringLiteral("ok"));
    QVERIFY(bob->waitForType(QStringLiteral("contact_request")));
    QCOMPARE(type(ask(*bob, "contact_remove", a)), QStringLiteral("ok")); // declined
    // Asking again at once: answered like any request, but bob is not asked again today.
    QCOMPARE(type(ask(*alice, "contact_add", b)), QStringLiteral("ok"));
    QVERIFY(bob->request(
        obj({{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), QJsonArray{a}}})));
    QVERIFY(!bob->waitForType(QStringLiteral("contact_request"), 0));
    // Bob himself can still ask her.
    QCOMPARE(type(ask(*bob, "contact_add", a)), QStringLiteral("ok"));
    QVERIFY(alice->waitForType(QStringLiteral("contact_request")));
}

void TestGateway::quotaDiskAndRetention()
{
    const QString name = QStringLiteral("quota");
    const QString db = database(name);
    const auto start = [&](ServerProcess &server, const QStringList &more) {
        QString error;
        const bool ok = server.start(QStringList{QStringLiteral("--db"), db} + more, &error);
        if (!ok)
            qWarning("%s", qPrintable(error));
        return ok;
    };
    const auto send = [](TestClient &client, const QString &to, int n) {
        return client.request(obj({{QStringLiteral("type"), QStringLiteral("send")},
                                   {QStringLiteral("to"), to},
                                   {QStringLiteral("cid"), QStringLiteral("q%1").arg(n)},
                                   {QStringLiteral("body"), QStringLiteral("message %1").arg(n)}}));
    };
    // A day's quota of three messages: the fourth waits for midnight (UTC), and says how long.
    {
        ServerProcess server;
        QVERIFY(start(server, {QStringLiteral("--daily-messages-per-user"), QStringLiteral("3")}));
        auto alice = TestUsers::signedIn(server.url(), QStringLiteral("quota-a"), kPassword, true);
        auto bob = TestUsers::signedIn(server.url(), QStringLiteral("quota-b"), kPassword, true);
        QVERIFY(alice && bob);
        QVERIFY(befriend(*alice, QStringLiteral("quota-a"), *bob, QStringLiteral("quota-b")));
        for (int n = 1; n <= 3; ++n)
            QCOMPARE(type(send(*alice, QStringLiteral("quota-b"), n)), QStringLiteral("sent"));
        const auto over = send(*alice, QStringLiteral("quota-b"), 4);
        QCOMPARE(code(over), QStringLiteral("rate_limited"));
        const double wait = over->value(QStringLiteral("retry_after_ms")).toDouble();
        QVERIFY2(wait > 0 && wait <= 24 * 3600 * 1000, qPrintable(QString::number(wait)));
        QCOMPARE(type(send(*bob, QStringLiteral("quota-a"), 5)), QStringLiteral("sent")); // bob's own day
        server.kill();
    }
    // A disk with less free space than asked for (here: a petabyte): sends are refused whole.
    // (A PostgreSQL server watches its own disk: the gateway has no file to look at.)
    if (!m_database.isPostgres()) {
        ServerProcess server;
        QVERIFY(start(server, {QStringLiteral("--min-free-disk-mb"), QStringLiteral("1000000000")}));
        auto alice = TestUsers::signedIn(server.url(), QStringLiteral("quota-a"), kPassword, false);
        QVERIFY(alice);
        const auto refused = send(*alice, QStringLiteral("quota-b"), 6);
        QCOMPARE(code(refused), QStringLiteral("unavailable"));
        QVERIFY(refused->value(QStringLiteral("message")).toString().contains(QLatin1String("disk")));
        server.kill();
    }
    // Retention: messages from before it are removed when the gateway starts (and hourly).
    {
        bool ok = false;
        m_database.query(name, QStringLiteral("UPDATE messages SET ts_ms = ts_ms - 10 * 86400000 WHERE cid = 'q1'"),
                         &ok);
        QVERIFY(ok);
        const auto count = [&] { return m_database.query(name, QStringLiteral("SELECT COUNT(*) FROM messages")); };
        QCOMPARE(count(), QStringLiteral("4"));
        ServerProcess server;
        QVERIFY(start(server, {QStringLiteral("--retention-days"), QStringLiteral("7")}));
        QVERIFY(QTest::qWaitFor([&] { return count() == QStringLiteral("3"); }, 5000));
        server.kill();
    }
}

void TestGateway::waitingRequestsAreCapped()
{
    // Two requests may wait here (100 by default): the third is refused until one is answered.
    ServerProcess server;
    QString error;
    QVERIFY2(server.start({QStringLiteral("--db"), database(QStringLiteral("waiting")),
                           QStringLiteral("--max-waiting-requests"), QStringLiteral("2")},
                          &error),
             qPrintable(error));
    auto asker = TestUsers::signedIn(server.url(), QStringLiteral("asker"), kPassword, true);
    QVERIFY(asker);
    std::vector<std::unique_ptr<TestClient>> others;
    for (const char *name : {"r1", "r2", "r3"}) {
        others.push_back(TestUsers::signedIn(server.url(), QLatin1String(name), kPassword, true));
        QVERIFY(others.back());
    }
    const auto add = [&](const char *name) {
        return asker->request(obj(
            {{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), QLatin1String(name)}}));
    };
    QCOMPARE(type(add("r1")), QStringLiteral("ok"));
    QCOMPARE(type(add("r2")), QStringLiteral("ok"));
    QCOMPARE(code(add("r3")), QStringLiteral("rate_limited"));
    QCOMPARE(type(others[0]->request(obj({{QStringLiteral("type"), QStringLiteral("contact_accept")},
                                          {QStringLiteral("user"), QStringLiteral("asker")}}))),
             QStringLiteral("ok")); // one answered: room for another
    QCOMPARE(type(add("r3")), QStringLiteral("ok"));
    server.kill();
}

QTEST_GUILESS_MAIN(TestGateway)
#include "TestGateway.moc"
