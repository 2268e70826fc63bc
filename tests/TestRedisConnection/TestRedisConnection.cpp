// RedisConnection against a real redis-server: when it may call Redis unresponsive, and when it
// must not (a deep pipeline that is merely slow, replies the busy loop has not read yet).
#include "RedisFixture.h"
#include "redis/RedisConnection.h"
#include "redis/RedisLink.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <csignal>
#include <memory>
#include <optional>

using namespace presently;

class TestRedisConnection : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void answersCommands();
    void argumentsArriveByteForByte();
    void slowPipelineIsNotDead();
    void repliesWaitingInTheSocketAreNotTimeouts();
    void frozenRedisIsDroppedAndRejoined();
    void authenticatesWithPasswordOrAclUser();

private:
    std::unique_ptr<RedisConnection> openConnection(int timeoutMs);

    RedisFixture m_redis;
    bool m_stopped = false;
};

void TestRedisConnection::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
}

void TestRedisConnection::init()
{
    m_stopped = false;
}

void TestRedisConnection::cleanup()
{
    // A test that failed while Redis was frozen must not leave it frozen for the next.
    if (m_stopped)
        ::kill(static_cast<pid_t>(m_redis.pid()), SIGCONT);
}

std::unique_ptr<RedisConnection> TestRedisConnection::openConnection(int timeoutMs)
{
    RedisAddress address;
    address.host = QStringLiteral("127.0.0.1");
    address.port = m_redis.port();
    auto connection = std::make_unique<RedisConnection>(address, RedisConnection::Mode::Commands);
    connection->setCommandTimeoutMs(timeoutMs);
    QSignalSpy connected(connection.get(), &RedisConnection::connected);
    connection->open();
    if (!connected.wait(5000))
        return nullptr;
    return connection;
}

void TestRedisConnection::answersCommands()
{
    auto connection = openConnection(300);
    QVERIFY(connection);
    QByteArray answer;
    connection->command({"PING"}, [&](const RedisReply &reply) { answer = reply.string; });
    QTRY_COMPARE_WITH_TIMEOUT(answer, QByteArray("PONG"), 5000);
}

void TestRedisConnection::argumentsArriveByteForByte()
{
    // Binary-safe RESP: CRLF, NUL, empty and long arguments, and numbers, written by RespCommand.
    auto connection = openConnection(1000);
    QVERIFY(connection);
    const QByteArray tricky = QByteArray("a\r\nb\0c$3\r\n*", 11) + QByteArray(70000, 'z');
    RespCommand set;
    set.arg("RPUSH").arg("resp-test").arg(tricky).arg("").arg(-1234567890123LL);
    QCOMPARE(set.count(), 5);
    std::optional<RedisReply> pushed;
    connection->command(set, [&](const RedisReply &reply) { pushed = reply; });
    QList<QByteArray> values;
    bool read = false;
    connection->command({"LRANGE", "resp-test", "0", "-1"}, [&](const RedisReply &reply) {
        for (const RedisReply &e : reply.elements)
            values.append(e.string);
        read = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(read, 5000);
    QVERIFY(pushed);
    QCOMPARE(pushed->toInteger(), 3);
    QCOMPARE(values, (QList<QByteArray>{tricky, QByteArray(), QByteArray("-1234567890123")}));
}

void TestRedisConnection::slowPipelineIsNotDead()
{
    // Twelve scripts of 40 ms each, sent at once: the last is answered after 480 ms, well past
    // the timeout, but replies keep coming, so Redis is busy, not gone. (Each carries 20 KB so
    // that Redis reads and answers them one or two at a time, as it does a deep pipeline.)
    auto connection = openConnection(300);
    QVERIFY(connection);
    QSignalSpy lost(connection.get(), &RedisConnection::disconnected);
    const QByteArray busy = R"LUA(
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start >= 40000
return 'done')LUA";
    int answered = 0;
    int failed = 0;
    for (int i = 0; i < 12; ++i) {
        connection->command({"EVAL", busy, "0", QByteArray(20000, 'x')},
                            [&](const RedisReply &reply) { ++(reply.string == "done" ? answered : failed); });
    }
    QTRY_COMPARE_WITH_TIMEOUT(answered + failed, 12, 10000);
    QCOMPARE(failed, 0);
    QCOMPARE(lost.count(), 0);
}

void TestRedisConnection::repliesWaitingInTheSocketAreNotTimeouts()
{
    // The loop is blocked past the timeout while the reply sits unread in the socket; when the
    // loop runs again, the timeout check may come before the read. It must not count.
    auto connection = openConnection(200);
    QVERIFY(connection);
    QSignalSpy lost(connection.get(), &RedisConnection::disconnected);
    for (int round = 0; round < 5; ++round) {
        bool answered = false;
        connection->command({"PING"}, [&](const RedisReply &reply) { answered = reply.string == "PONG"; });
        QThread::msleep(400); // busy elsewhere: no event processing
        QTRY_VERIFY_WITH_TIMEOUT(answered, 5000);
    }
    QCOMPARE(lost.count(), 0);
}

void TestRedisConnection::frozenRedisIsDroppedAndRejoined()
{
    auto connection = openConnection(300);
    QVERIFY(connection);
    QSignalSpy lost(connection.get(), &RedisConnection::disconnected);
    QSignalSpy rejoined(connection.get(), &RedisConnection::connected);
    QVERIFY(::kill(static_cast<pid_t>(m_redis.pid()), SIGSTOP) == 0);
    m_stopped = true;
    bool called = false;
    RedisReply reply;
    connection->command({"PING"}, [&](const RedisReply &r) {
        called = true;
        reply = r;
    });
    QVERIFY(lost.wait(5000));
    // The command is answered (with no reply) rather than left hanging.
    QTRY_VERIFY_WITH_TIMEOUT(called, 5000);
    QCOMPARE(reply.type, RedisReply::Type::None);
    QVERIFY(::kill(static_cast<pid_t>(m_redis.pid()), SIGCONT) == 0);
    m_stopped = false;
    QTRY_VERIFY_WITH_TIMEOUT(rejoined.count() > 0, 10000);
    QByteArray answer;
    connection->command({"PING"}, [&](const RedisReply &r) { answer = r.string; });
    QTRY_COMPARE_WITH_TIMEOUT(answer, QByteArray("PONG"), 5000);
}

void TestRedisConnection::authenticatesWithPasswordOrAclUser()
{
    // A Redis with a password for the default user and an ACL user of its own (Redis 6+).
    RedisFixture secured;
    QString error;
    QVERIFY2(secured.startSecured(&error), qPrintable(error));
    const auto address = [&](const QString &user, const QString &password) {
        RedisAddress a;
        a.port = secured.port();
        a.user = user;
        a.password = password;
        return a;
    };
    // A command through a fresh connection as `user`: whether Redis ran it.
    const auto runsCommands = [&](const RedisAddress &as) {
        RedisConnection connection(as, RedisConnection::Mode::Commands);
        QSignalSpy connected(&connection, &RedisConnection::connected);
        connection.open();
        if (!connected.wait(5000))
            return false;
        std::optional<RedisReply> reply;
        connection.command({"SET", "auth-probe", "1"}, [&](const RedisReply &r) { reply = r; });
        return QTest::qWaitFor([&] { return reply.has_value(); }, 5000) && reply->type == RedisReply::Type::Status;
    };
    QVERIFY(runsCommands(address({}, QLatin1String(RedisFixture::kPassword))));
    QVERIFY(runsCommands(address(QLatin1String(RedisFixture::kUser), QLatin1String(RedisFixture::kUserPassword))));
    QTest::ignoreMessage(QtCriticalMsg,
                         QRegularExpression(QStringLiteral("Redis refused our credentials:.*WRONGPASS")));
    QVERIFY(!runsCommands(address({}, QStringLiteral("Zebra-42"))));

    // The start-up check: refused credentials are an error that names Redis's reason, never the
    // password; right ones and an unreachable Redis are not.
    QString why;
    QVERIFY(!RedisLink::checkCredentials(address({}, QStringLiteral("Zebra-42")), &why));
    QVERIFY2(why.contains(QStringLiteral("WRONGPASS")) && !why.contains(QStringLiteral("Zebra")), qPrintable(why));
    QVERIFY(RedisLink::checkCredentials(
        address(QLatin1String(RedisFixture::kUser), QLatin1String(RedisFixture::kUserPassword)), &why));
    RedisAddress nowhere = address({}, QStringLiteral("x"));
    nowhere.port = 1; // nothing listens there
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("not reachable at start-up")));
    QVERIFY(RedisLink::checkCredentials(nowhere, &why));
}

QTEST_GUILESS_MAIN(TestRedisConnection)
#include "TestRedisConnection.moc"
