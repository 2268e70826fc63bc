// Sessions without a process or a socket: the real SessionRegistry, stores on a temporary SQLite
// file and the embedded presence store and bus, with each connection a fake MessageChannel. The
// protocol logic runs exactly as in the gateway; only the transport is replaced.
#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "base/Clock.h"
#include "events/EmbeddedEventBus.h"
#include "messages/MessageStore.h"
#include "net/MessageChannel.h"
#include "presence/EmbeddedPresenceStore.h"
#include "presence/PresenceHub.h"
#include "session/SessionRegistry.h"
#include "sql/SqlRetry.h"
#include "storage/StoreThread.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <memory>

using namespace presently;

namespace {
const QString kPassword = QStringLiteral("correct horse");

// What a fake connection saw; outlives the channel, which its session deletes.
struct ChannelLog {
    QList<QJsonObject> received;
    int closeCode = -1;
    bool gone = false;
    MessageChannel::Receiver *receiver = nullptr;
};

class FakeChannel : public MessageChannel {
public:
    explicit FakeChannel(std::shared_ptr<ChannelLog> log)
        : m_log(std::move(log))
    {}
    ~FakeChannel() override { m_log->receiver = nullptr; }

    void setReceiver(Receiver *receiver) override { m_log->receiver = receiver; }
    void sendText(const QByteArray &utf8) override { m_log->received.append(QJsonDocument::fromJson(utf8).object()); }
    qint64 bytesToWrite() const override { return 0; }
    void close(quint16 code, const QString &) override
    {
        m_log->closeCode = code;
        // The peer answers the close handshake a moment later.
        QTimer::singleShot(0, [log = m_log] {
            if (log->receiver && !log->gone) {
                log->gone = true;
                log->receiver->channelClosed();
            }
        });
    }
    void noteInteractive() override {}

private:
    std::shared_ptr<ChannelLog> m_log;
};

// One client: frames in through the fake channel, replies read from its log.
class Peer {
public:
    explicit Peer(SessionRegistry &registry)
        : m_log(std::make_shared<ChannelLog>())
    {
        registry.adopt(new FakeChannel(m_log));
    }

    void send(const QJsonObject &frame)
    {
        if (m_log->receiver)
            m_log->receiver->textReceived(QJsonDocument(frame).toJson(QJsonDocument::Compact));
    }
    void sendRaw(const QByteArray &frame)
    {
        if (m_log->receiver)
            m_log->receiver->textReceived(frame);
    }
    // The client closes cleanly (close handshake).
    void closeCleanly()
    {
        if (!m_log->receiver)
            return;
        m_log->receiver->closeReceived();
        m_log->gone = true;
        m_log->receiver->channelClosed();
    }
    // The first message not taken yet that matches; it is taken.
    std::optional<QJsonObject> waitFor(const std::function<bool(const QJsonObject &)> &match, int timeoutMs = 5000)
    {
        std::optional<QJsonObject> found;
        [[maybe_unused]] const bool done = QTest::qWaitFor(
            [&] {
                for (qsizetype i = 0; i < m_log->received.size(); ++i) {
                    if (!m_taken.contains(i) && match(m_log->received.at(i))) {
                        found = m_log->received.at(i);
                        m_taken.insert(i);
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
        return found;
    }
    std::optional<QJsonObject> waitForType(const QString &type, int timeoutMs = 5000)
    {
        return waitFor([type](const QJsonObject &o) { return o.value(QStringLiteral("type")).toString() == type; },
                       timeoutMs);
    }
    int closeCode() const { return m_log->closeCode; }
    // The first message of `type` received, taken or not (an empty object if none).
    QJsonObject firstOfType(const QString &type) const
    {
        for (const QJsonObject &o : std::as_const(m_log->received)) {
            if (o.value(QStringLiteral("type")).toString() == type)
                return o;
        }
        return {};
    }

private:
    std::shared_ptr<ChannelLog> m_log;
    QSet<qsizetype> m_taken;
};

QJsonObject frame(const char *type, std::initializer_list<QPair<QString, QJsonValue>> fields = {})
{
    QJsonObject o{{QStringLiteral("type"), QLatin1String(type)}};
    for (const auto &f : fields)
        o.insert(f.first, f.second);
    return o;
}
} // namespace

class TestSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void signsInAndAnswersById();
    void refusesFramesBeforeWelcome();
    void contactsAndPresenceBetweenSessions();
    void rateLimitsOnTheLocalClock();
    void cleanCloseEndsPresenceAtOnce();
    void busyDatabaseHoldsOnlyTheRequestThatNeedsIt();

private:
    std::unique_ptr<Peer> signedIn(const QString &user, bool create = true);

    QTemporaryDir m_dir;
    std::unique_ptr<StoreThread> m_writes;
    std::unique_ptr<StoreThread> m_reads;
    std::unique_ptr<EmbeddedPresenceStore> m_presence;
    std::unique_ptr<EmbeddedEventBus> m_bus;
    std::unique_ptr<PresenceHub> m_hub;
    std::unique_ptr<SessionRegistry> m_registry;
    QString m_db;
    int m_run = 0;
};

void TestSession::initTestCase()
{
    QVERIFY(PasswordHasher::initialize());
}

void TestSession::init()
{
    QString error;
    const QString db = m_dir.filePath(QStringLiteral("run%1.sqlite").arg(++m_run));
    m_db = db;
    m_writes = std::make_unique<StoreThread>(QStringLiteral("writes"));
    m_reads = std::make_unique<StoreThread>(QStringLiteral("reads"));
    QVERIFY2(m_writes->open(DatabaseAddress::sqliteFile(db), StoreThread::Use::Writes, &error), qPrintable(error));
    QVERIFY2(m_reads->open(DatabaseAddress::sqliteFile(db), StoreThread::Use::Reads, &error), qPrintable(error));
    SqlRetry::forbidThread(QThread::currentThread(), true);      // as the gateway: no SQL on the loop
    m_presence = std::make_unique<EmbeddedPresenceStore>(30000); // the protocol's default TTL
    m_presence->start();
    m_bus = std::make_unique<EmbeddedEventBus>();
    m_hub = std::make_unique<PresenceHub>(m_presence.get());
    SessionSettings settings;
    settings.serverId = QStringLiteral("gw-test");
    settings.authTimeoutMs = 2000;
    m_registry = std::make_unique<SessionRegistry>(
        SessionServices{m_reads.get(), m_writes.get(), m_presence.get(), m_hub.get(), m_bus.get()}, settings);
}

void TestSession::cleanup()
{
    m_registry.reset();
    m_hub.reset();
    m_bus.reset();
    m_presence.reset();
    m_writes.reset();
    m_reads.reset();
    SqlRetry::forbidThread(nullptr, false);
}

std::unique_ptr<Peer> TestSession::signedIn(const QString &user, bool create)
{
    auto peer = std::make_unique<Peer>(*m_registry);
    peer->send(frame(create ? "register" : "hello",
                     {{QStringLiteral("user"), user}, {QStringLiteral("password"), kPassword}}));
    if (!peer->waitForType(QStringLiteral("welcome"), 10000) || !peer->waitForType(QStringLiteral("contacts")))
        return nullptr;
    return peer;
}

void TestSession::signsInAndAnswersById()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);
    QCOMPARE(m_registry->connectionCount(), 1);
    alice->send(frame("heartbeat", {{QStringLiteral("id"), 7}}));
    const auto ack = alice->waitForType(QStringLiteral("heartbeat_ack"));
    QVERIFY(ack);
    QCOMPARE(ack->value(QStringLiteral("id")).toInt(), 7);
    alice->sendRaw(R"({"type":"heartbeat"})");
    QVERIFY(!alice->waitForType(QStringLiteral("heartbeat_ack"))->contains(QStringLiteral("id")));
    alice->send(
        frame("query", {{QStringLiteral("id"), QStringLiteral("q")},
                        {QStringLiteral("users"), QJsonArray{QStringLiteral("alice"), QStringLiteral("eve")}}}));
    const auto presence = alice->waitForType(QStringLiteral("presence"));
    QVERIFY(presence);
    const QJsonArray users = presence->value(QStringLiteral("users")).toArray();
    QCOMPARE(users.at(0).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("online"));
    QCOMPARE(users.at(1).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("unknown"));
}

void TestSession::refusesFramesBeforeWelcome()
{
    Peer peer(*m_registry);
    peer.send(frame("query", {{QStringLiteral("id"), 1}, {QStringLiteral("users"), QJsonArray{}}}));
    const auto error = peer.waitForType(QStringLiteral("error"));
    QVERIFY(error);
    QCOMPARE(error->value(QStringLiteral("code")).toString(), QStringLiteral("not_authenticated"));
    QCOMPARE(error->value(QStringLiteral("id")).toInt(), 1);
    QCOMPARE(peer.closeCode(), 4001);
    QTRY_COMPARE(m_registry->connectionCount(), 0); // the session deletes itself once closed
}

void TestSession::contactsAndPresenceBetweenSessions()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto carol = signedIn(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    alice->send(frame("contact_add", {{QStringLiteral("id"), 1}, {QStringLiteral("user"), QStringLiteral("bob")}}));
    QVERIFY(alice->waitForType(QStringLiteral("ok")));
    QVERIFY(bob->waitForType(QStringLiteral("contact_request")));
    // accept and query back to back: in effect when ok is sent.
    bob->send(frame("contact_accept", {{QStringLiteral("id"), 2}, {QStringLiteral("user"), QStringLiteral("alice")}}));
    bob->send(
        frame("query", {{QStringLiteral("id"), 3}, {QStringLiteral("users"), QJsonArray{QStringLiteral("alice")}}}));
    QVERIFY(bob->waitForType(QStringLiteral("ok")));
    const auto seen = bob->waitFor([](const QJsonObject &o) { return o.value(QStringLiteral("id")).toInt() == 3; });
    QVERIFY(seen);
    QCOMPARE(seen->value(QStringLiteral("users")).toArray().at(0).toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("online"));

    // alice goes idle: bob is told.
    QVERIFY(alice->waitFor([](const QJsonObject &o) {
        return o.value(QStringLiteral("type")).toString() == QLatin1String("contacts") &&
               !o.value(QStringLiteral("contacts")).toArray().isEmpty();
    }));
    alice->send(frame("heartbeat", {{QStringLiteral("status"), QStringLiteral("idle")}}));
    const auto idle = bob->waitFor([](const QJsonObject &o) {
        return o.value(QStringLiteral("type")).toString() == QLatin1String("presence") &&
               o.value(QStringLiteral("users")).toArray().at(0).toObject().value(QStringLiteral("status")).toString() ==
                   QLatin1String("idle");
    });
    QVERIFY(idle);

    // A message reaches bob live, with its mid.
    alice->send(frame("send", {{QStringLiteral("to"), QStringLiteral("bob")},
                               {QStringLiteral("cid"), QStringLiteral("c1")},
                               {QStringLiteral("body"), QStringLiteral("hi")}}));
    const auto sent = alice->waitForType(QStringLiteral("sent"));
    QVERIFY(sent);
    const auto message = bob->waitForType(QStringLiteral("message"));
    QVERIFY(message);
    QCOMPARE(message->value(QStringLiteral("mid")), sent->value(QStringLiteral("mid")));
    QCOMPARE(message->value(QStringLiteral("body")).toString(), QStringLiteral("hi"));
}

void TestSession::rateLimitsOnTheLocalClock()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);
    // The request bucket holds 40; the 41st request within the same moment is refused.
    for (int i = 0; i < 41; ++i)
        alice->send(frame("query", {{QStringLiteral("id"), i}, {QStringLiteral("users"), QJsonArray{}}}));
    const auto limited = alice->waitFor([](const QJsonObject &o) {
        return o.value(QStringLiteral("code")).toString() == QLatin1String("rate_limited");
    });
    QVERIFY(limited);
    // Heartbeats draw from no request bucket.
    alice->send(frame("heartbeat"));
    QVERIFY(alice->waitForType(QStringLiteral("heartbeat_ack")));
    QCOMPARE(alice->closeCode(), -1);
}

void TestSession::cleanCloseEndsPresenceAtOnce()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);
    bool fetched = false;
    QString status;
    alice->closeCleanly();
    m_presence->fetch({QStringLiteral("alice")}, [&](bool ok, const QList<PresenceEntry> &entries) {
        fetched = ok;
        status = statusName(entries.value(0).presence.status);
    });
    QTRY_VERIFY(fetched);
    QCOMPARE(status, QStringLiteral("offline"));
    QTRY_COMPARE(m_registry->connectionCount(), 0);
}

void TestSession::busyDatabaseHoldsOnlyTheRequestThatNeedsIt()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto carol = signedIn(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    alice->send(frame("contact_add", {{QStringLiteral("id"), 1}, {QStringLiteral("user"), QStringLiteral("bob")}}));
    QVERIFY(bob->waitForType(QStringLiteral("contact_request")));
    bob->send(frame("contact_accept", {{QStringLiteral("id"), 2}, {QStringLiteral("user"), QStringLiteral("alice")}}));
    QVERIFY(alice->waitFor([](const QJsonObject &o) {
        return o.value(QStringLiteral("type")).toString() == QLatin1String("contacts") &&
               !o.value(QStringLiteral("contacts")).toArray().isEmpty();
    }));

    // Another program holds the database's write lock for 2 s.
    constexpr int kHoldMs = 2000;
    auto locker = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
    locker.setDatabaseName(m_db);
    QVERIFY(locker.open());
    QVERIFY(QSqlQuery(locker).exec(QStringLiteral("BEGIN IMMEDIATE")));
    QElapsedTimer held;
    held.start();
    bool released = false;
    QTimer::singleShot(kHoldMs, Qt::PreciseTimer, [&locker, &released] {
        QSqlQuery q(locker);
        if (!q.exec(QStringLiteral("ROLLBACK")))
            qWarning("rollback: %s", qPrintable(q.lastError().text()));
        released = true;
    });

    // alice's status change needs the lock; her next request waits behind it, in order.
    alice->send(frame("set_status",
                      {{QStringLiteral("id"), QStringLiteral("st")}, {QStringLiteral("mode"), QStringLiteral("dnd")}}));
    alice->send(frame("query", {{QStringLiteral("id"), QStringLiteral("after")},
                                {QStringLiteral("users"), QJsonArray{QStringLiteral("bob")}}}));
    // Nobody else waits: bob's heartbeat is acknowledged and his activity reaches alice at once.
    bob->send(frame("heartbeat", {{QStringLiteral("id"), 3}, {QStringLiteral("status"), QStringLiteral("idle")}}));
    QVERIFY(bob->waitForType(QStringLiteral("heartbeat_ack"), kHoldMs / 2));
    QVERIFY(alice->waitFor(
        [](const QJsonObject &o) {
            return o.value(QStringLiteral("type")).toString() == QLatin1String("presence") &&
                   !o.contains(QStringLiteral("id")) &&
                   o.value(QStringLiteral("users"))
                           .toArray()
                           .at(0)
                           .toObject()
                           .value(QStringLiteral("status"))
                           .toString() == QLatin1String("idle");
        },
        kHoldMs / 2));
    // bob's message needs the lock too (its commit); carol, who needs nothing, is served at once.
    bob->send(frame("send", {{QStringLiteral("to"), QStringLiteral("alice")},
                             {QStringLiteral("cid"), QStringLiteral("c-locked")},
                             {QStringLiteral("body"), QStringLiteral("during the lock")}}));
    QCoreApplication::processEvents(); // the turn ends: its commit is started (on the loop, it would block here)
    carol->send(frame("heartbeat", {{QStringLiteral("id"), 4}}));
    QVERIFY(carol->waitForType(QStringLiteral("heartbeat_ack"), kHoldMs / 2));
    // Reads need no lock: another device of carol signs in with her token (welcome, then its
    // contacts), and a history request is answered, while the lock is still held.
    Peer carolsPhone(*m_registry);
    carolsPhone.send(frame("hello", {{QStringLiteral("user"), QStringLiteral("carol")},
                                     {QStringLiteral("token"),
                                      carol->firstOfType(QStringLiteral("welcome")).value(QStringLiteral("token"))}}));
    QVERIFY(carolsPhone.waitForType(QStringLiteral("welcome"), kHoldMs / 2));
    QVERIFY(carolsPhone.waitForType(QStringLiteral("contacts"), kHoldMs / 2));
    carol->send(frame("history", {{QStringLiteral("id"), 5}, {QStringLiteral("with"), QStringLiteral("bob")}}));
    QVERIFY(carol->waitForType(QStringLiteral("messages"), kHoldMs / 2));
    const qint64 servedAt = held.elapsed();
    QVERIFY2(servedAt < kHoldMs, qPrintable(QStringLiteral("others were served only after %1 ms").arg(servedAt)));

    // Once the lock is gone: ok, then the later request's answer.
    const auto ok = alice->waitFor(
        [](const QJsonObject &o) { return o.value(QStringLiteral("id")).toString() == QLatin1String("st"); }, 5000);
    QVERIFY(ok);
    QCOMPARE(ok->value(QStringLiteral("type")).toString(), QStringLiteral("ok"));
    QVERIFY2(
        held.elapsed() >= kHoldMs - 50,
        qPrintable(QStringLiteral("set_status answered after %1 ms, with the database locked").arg(held.elapsed())));
    QVERIFY(alice->waitFor(
        [](const QJsonObject &o) { return o.value(QStringLiteral("id")).toString() == QLatin1String("after"); }));
    QVERIFY(bob->waitFor([](const QJsonObject &o) {
        return o.value(QStringLiteral("type")).toString() == QLatin1String("presence") &&
               o.value(QStringLiteral("users")).toArray().at(0).toObject().value(QStringLiteral("status")).toString() ==
                   QLatin1String("dnd");
    }));
    locker.close();
    locker = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("locker"));
}

QTEST_GUILESS_MAIN(TestSession)
#include "TestSession.moc"
