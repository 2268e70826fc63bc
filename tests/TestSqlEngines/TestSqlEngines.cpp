// The stores on both engines: the same account and message contract on a SQLite file and on a
// real PostgreSQL server (PostgresProcess: initdb, a loopback port, ended by PID). On PostgreSQL
// also: mids in commit order while three writers insert for one recipient at once (a reader
// reading (last, newest] never skips a row), gateways starting together upgrading the schema
// once, and a restarted server costing errors during the outage and nothing after.
#include "PostgresProcess.h"

#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "messages/MessageStore.h"
#include "sql/SqlTransaction.h"
#include "storage/StoreThread.h"

#include <QDeadlineTimer>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <atomic>
#include <thread>
#include <vector>

using namespace presently;

namespace {
constexpr qint64 kDay = 24LL * 3600 * 1000;

StoredMessage message(const QString &from, const QString &to, const QString &cid, qint64 ts)
{
    StoredMessage m;
    m.from = from;
    m.to = to;
    m.cid = cid;
    m.body = QStringLiteral("body of ") + cid;
    m.ts = ts;
    m.senderSession = QStringLiteral("s1");
    return m;
}
} // namespace

class TestSqlEngines : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void storesKeepTheirContract_data();
    void storesKeepTheirContract();
    void midsFollowCommitOrderAcrossWriters();
    void gatewaysStartingTogetherUpgradeOnce();
    void outageIsAnErrorAndHeals();

private:
    DatabaseAddress newDatabase(const QString &engine);

    QTemporaryDir m_dir;
    PostgresProcess m_postgres;
    int m_databases = 0;
};

void TestSqlEngines::initTestCase()
{
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
}

DatabaseAddress TestSqlEngines::newDatabase(const QString &engine)
{
    const QString name = QStringLiteral("db%1").arg(++m_databases);
    QString error;
    if (engine == QLatin1String("sqlite"))
        return DatabaseAddress::sqliteFile(m_dir.filePath(name + QStringLiteral(".sqlite")));
    if (!m_postgres.createDatabase(name, &error))
        qWarning("%s", qPrintable(error));
    const std::optional<DatabaseAddress> address = DatabaseAddress::parse(m_postgres.url(name), &error);
    if (!address)
        qFatal("%s: %s", qPrintable(m_postgres.url(name)), qPrintable(error));
    return *address;
}

void TestSqlEngines::storesKeepTheirContract_data()
{
    QTest::addColumn<QString>("engine");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

void TestSqlEngines::storesKeepTheirContract()
{
    QFETCH(QString, engine);
    const DatabaseAddress address = newDatabase(engine);
    SqlConnection connection(QStringLiteral("contract"));
    AccountStore accounts(connection);
    MessageStore messages(connection);
    QString error;
    QVERIFY2(accounts.open(address, &error) && messages.open(address, &error), qPrintable(error));
    const QString alice = QStringLiteral("alice"), bob = QStringLiteral("bob"), carol = QStringLiteral("carol");
    const qint64 now = 1'700'000'000'000; // ms: past 32 bits, as every real time is

    // Accounts.
    QCOMPARE(*accounts.createUser(alice, "hash-a", now), AccountStore::CreateResult::Created);
    QCOMPARE(*accounts.createUser(alice, "other", now), AccountStore::CreateResult::Exists);
    QCOMPARE(*accounts.createUser(bob, "hash-b", now), AccountStore::CreateResult::Created);
    QCOMPARE(*accounts.createUser(carol, "hash-c", now), AccountStore::CreateResult::Created);
    QCOMPARE(**accounts.passwordHash(alice), QByteArray("hash-a"));
    QVERIFY(!accounts.passwordHash(QStringLiteral("nobody"))->has_value());
    QVERIFY(accounts.setPasswordHash(alice, "hash-a2").ok());
    QCOMPARE(**accounts.passwordHash(alice), QByteArray("hash-a2"));
    QVERIFY(*accounts.ping());

    // Tokens: found by the token, touched, revoked; lifetimes.
    const QString token = *accounts.issueToken(alice, now);
    const QString other = *accounts.issueToken(alice, now);
    const auto found = *accounts.findToken(token);
    QVERIFY(found);
    QCOMPARE(found->user, alice); // the column is "user": never PostgreSQL's current_user
    QCOMPARE(found->issuedMs, now);
    QVERIFY(accounts.touchToken(token, now + 5).ok());
    QCOMPARE((*accounts.findToken(token))->lastUsedMs, now + 5);
    QCOMPARE(*accounts.revokeTokensOf(alice, PasswordHasher::tokenDigest(token)), 1);
    QVERIFY(!accounts.findToken(other)->has_value());
    QCOMPARE(*accounts.pruneExpiredTokens(now + AccountStore::kTokenAbsoluteLifetimeMs + 1), 1);
    QVERIFY(!accounts.findToken(token)->has_value());

    // Invitations.
    const QString invite = *accounts.createInvite(1, now + kDay, now);
    QCOMPARE(*accounts.useInvite(invite, now + 1), true);
    QCOMPARE(*accounts.useInvite(invite, now + 2), false); // used up

    // Status.
    QVERIFY(accounts.setStatus(alice, Mode::Dnd, QStringLiteral("in a meeting")).ok());
    QCOMPARE(accounts.status(alice)->mode, Mode::Dnd);
    QCOMPARE(accounts.status(alice)->text, QStringLiteral("in a meeting"));

    // Contacts: a request, its acceptance, a decline's cooldown, a block.
    QCOMPARE(*accounts.addContact(alice, bob, now), ContactChange::Requested);
    QCOMPARE(*accounts.requestsTo(bob), QStringList{alice});
    QCOMPARE(*accounts.addContact(alice, bob, now), ContactChange::Unchanged);
    QCOMPARE(*accounts.addContact(bob, alice, now), ContactChange::Connected); // asking back connects
    QCOMPARE(*accounts.contacts(alice), QStringList{bob});
    QCOMPARE(*accounts.contacts(bob), QStringList{alice});
    QCOMPARE(*accounts.addContact(carol, alice, now), ContactChange::Requested);
    QCOMPARE(*accounts.removeContact(alice, carol, now), ContactChange::Removed);    // declined
    QCOMPARE(*accounts.addContact(carol, alice, now + 1), ContactChange::Unchanged); // not again so soon
    QVERIFY(accounts.requestsTo(alice)->isEmpty());
    QCOMPARE(*accounts.addContact(carol, alice, now + kDay + 1), ContactChange::Requested);
    QCOMPARE(*accounts.acceptContact(alice, carol, now), ContactChange::Connected);
    QCOMPARE(*accounts.block(alice, carol, now), ContactChange::Removed);
    QCOMPARE(*accounts.blockedBy(alice), QStringList{carol});
    QCOMPARE(*accounts.addContact(carol, alice, now + 2 * kDay), ContactChange::Unchanged); // dropped
    QCOMPARE(*accounts.addContact(alice, carol, now), ContactChange::BlockedByYou);
    QCOMPARE(*accounts.unblock(alice, carol), ContactChange::Removed);
    QCOMPARE(*accounts.addContact(alice, QStringLiteral("nobody"), now), ContactChange::NotFound);

    // Messages: mids, an idempotent cid, pages, read marks, retention.
    const auto first = *messages.insert(message(alice, bob, QStringLiteral("c1"), now));
    QVERIFY(first.created);
    QVERIFY(first.message.mid > 0);
    const auto again = *messages.insert(message(alice, bob, QStringLiteral("c1"), now + 9));
    QVERIFY(!again.created);
    QCOMPARE(again.message.mid, first.message.mid);
    QCOMPARE(again.message.ts, now); // the original answers
    qint64 last = first.message.mid;
    for (int i = 2; i <= 5; ++i) {
        const auto next =
            *messages.insert(message(i % 2 ? alice : bob, i % 2 ? bob : alice, QStringLiteral("c%1").arg(i), now + i));
        QVERIFY(next.created);
        QVERIFY(next.message.mid > last);
        last = next.message.mid;
    }
    QCOMPARE(*messages.lastMid(), last);
    const MessagePage all = *messages.forUser(bob, 0, std::numeric_limits<qint64>::max(), 3);
    QCOMPARE(all.messages.size(), 3);
    QVERIFY(all.more);
    QCOMPARE(all.messages.first().cid, QStringLiteral("c1"));
    QCOMPARE(all.messages.first().senderSession, QStringLiteral("s1"));
    const MessagePage newest = *messages.conversation(alice, bob, 0, 2);
    QCOMPARE(newest.messages.size(), 2);
    QCOMPARE(newest.messages.last().mid, last); // oldest first, ending at the newest
    QVERIFY(messages.forUser(carol, 0, std::numeric_limits<qint64>::max(), 10)->messages.isEmpty());
    QCOMPARE(*messages.markRead(bob, alice, qint64(1) << 53), last);        // never past the newest
    QCOMPARE(*messages.markRead(bob, alice, first.message.mid), qint64(0)); // never backwards
    QCOMPARE(*messages.readMark(bob, alice), last);
    QCOMPARE(*messages.pruneOlderThan(now + 3, 100), 2); // c1 and c2
    QCOMPARE(messages.forUser(bob, 0, std::numeric_limits<qint64>::max(), 10)->messages.size(), 3);

    // Removing an account takes its tokens, contacts and requests.
    QCOMPARE(*accounts.removeUser(bob), true);
    QVERIFY(accounts.contacts(alice)->isEmpty());
    QCOMPARE(*accounts.userExists(bob), false);
    QCOMPARE(connection.transactionDepth(), 0);
}

void TestSqlEngines::midsFollowCommitOrderAcrossWriters()
{
    // Three writers (three gateways' write connections) store messages for one recipient, each
    // holding its transaction open a little after the insert, so that without the write lock a
    // later mid would often commit first. A reader pages through (last, newest] as a gateway
    // delivering live does: it must see every message, in mid order, none skipped.
    const DatabaseAddress address = newDatabase(QStringLiteral("postgresql"));
    {
        SqlConnection setup(QStringLiteral("setup"));
        MessageStore schema(setup);
        QString error;
        QVERIFY2(schema.open(address, &error), qPrintable(error));
    }
    constexpr int kWriters = 3;
    constexpr int kEach = 60;
    std::atomic<int> finished{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            SqlConnection connection(QStringLiteral("writer%1").arg(w));
            MessageStore messages(connection);
            QString error;
            if (!messages.open(address, &error)) {
                ++failures;
                ++finished;
                return;
            }
            for (int i = 0; i < kEach; ++i) {
                SqlTransaction transaction(connection);
                const auto stored = messages.insert(
                    message(QStringLiteral("sender%1").arg(w), QStringLiteral("bob"), QStringLiteral("m%1").arg(i), i));
                QThread::usleep(QRandomGenerator::global()->bounded(3000)); // a commit window's other jobs
                if (!stored || !transaction.commit())
                    ++failures;
            }
            ++finished;
        });
    }
    SqlConnection reading(QStringLiteral("reader"));
    MessageStore reader(reading);
    QString error;
    QVERIFY2(reader.open(address, &error), qPrintable(error));
    QList<qint64> seen;
    qint64 last = 0;
    QString readError;
    QDeadlineTimer deadline(60000);
    for (bool done = false; !done && readError.isEmpty() && !deadline.hasExpired();) {
        done = finished.load() == kWriters; // read once more after the writers are done
        const StoreResult<MessagePage> page =
            reader.forUser(QStringLiteral("bob"), last, std::numeric_limits<qint64>::max(), 1000);
        if (!page) {
            readError = page.error().message;
            break;
        }
        for (const StoredMessage &m : page->messages) {
            seen.append(m.mid);
            last = m.mid;
        }
    }
    for (std::thread &t : writers)
        t.join(); // before any check can return
    QVERIFY2(readError.isEmpty(), qPrintable(readError));
    QVERIFY(!deadline.hasExpired());
    QCOMPARE(failures.load(), 0);
    QVERIFY(std::is_sorted(seen.cbegin(), seen.cend()));
    QCOMPARE(seen.size(), kWriters * kEach); // a row committed behind the reader's mark would be missing
}

void TestSqlEngines::gatewaysStartingTogetherUpgradeOnce()
{
    const DatabaseAddress address = newDatabase(QStringLiteral("postgresql"));
    std::atomic<int> opened{0};
    std::vector<std::thread> gateways;
    for (int g = 0; g < 3; ++g) {
        gateways.emplace_back([&, g] {
            SqlConnection connection(QStringLiteral("gateway%1").arg(g));
            AccountStore accounts(connection);
            MessageStore messages(connection);
            QString error;
            if (accounts.open(address, &error) && messages.open(address, &error))
                ++opened;
            else
                qWarning("%s", qPrintable(error));
        });
    }
    for (std::thread &t : gateways)
        t.join();
    QCOMPARE(opened.load(), 3);
    const QString database = address.database;
    QCOMPARE(m_postgres.query(database, QStringLiteral("SELECT version FROM schema_versions WHERE store = 'accounts'")),
             QStringLiteral("5"));
    QCOMPARE(m_postgres.query(database, QStringLiteral("SELECT COUNT(*) FROM schema_versions")), QStringLiteral("2"));
    // Times are in ms: 64-bit columns.
    QCOMPARE(m_postgres.query(database, QStringLiteral("SELECT data_type FROM information_schema.columns WHERE "
                                                       "table_name = 'messages' AND column_name = 'ts_ms'")),
             QStringLiteral("bigint"));
}

void TestSqlEngines::outageIsAnErrorAndHeals()
{
    const DatabaseAddress address = newDatabase(QStringLiteral("postgresql"));
    StoreThread writes(QStringLiteral("writes"));
    StoreThread reads(QStringLiteral("reads"));
    QString error;
    QVERIFY2(writes.open(address, StoreThread::Use::Writes, &error), qPrintable(error));
    QVERIFY2(reads.open(address, StoreThread::Use::Reads, &error), qPrintable(error));
    QObject context;
    int sent = 0;
    // A send as a gateway makes it; its answer (the mid, or empty when the store failed).
    const auto send = [&](const QString &cid) {
        std::optional<StoreResult<qint64>> answer;
        writes.write<qint64>(
            &context,
            [cid](AccountStore *, MessageStore *messages) -> StoreResult<qint64> {
                const auto stored = messages->insert(message(QStringLiteral("alice"), QStringLiteral("bob"), cid, 1));
                if (!stored)
                    return stored.error();
                return stored->message.mid;
            },
            [&](const StoreResult<qint64> &result) { answer = result; });
        ++sent;
        return QTest::qWaitFor([&] { return answer.has_value(); }, 30000) ? answer : std::nullopt;
    };
    const auto count = [&] {
        std::optional<qsizetype> rows;
        reads.read<qsizetype>(
            &context,
            [](AccountStore *, MessageStore *messages) -> qsizetype {
                const auto page = messages->forUser(QStringLiteral("bob"), 0, std::numeric_limits<qint64>::max(), 100);
                return page ? page->messages.size() : -1;
            },
            [&](const qsizetype &n) { rows = n; });
        return QTest::qWaitFor([&] { return rows.has_value(); }, 30000) ? *rows : -2;
    };
    // QVERIFY2 builds its message before it checks.
    const auto why = [](const std::optional<StoreResult<qint64>> &answer) {
        return !answer ? QStringLiteral("no answer") : answer->ok() ? QString() : answer->error().message;
    };
    const auto before = send(QStringLiteral("before"));
    QVERIFY(before && before->ok());
    QCOMPARE(count(), qsizetype(1));

    QVERIFY(m_postgres.stop());
    const auto during = send(QStringLiteral("during"));
    QVERIFY(during);
    QVERIFY(!during->ok()); // an error (the gateway answers `unavailable`), not a hang
    QCOMPARE(count(), qsizetype(-1));

    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    // The client resends what was refused: stored once; the connections were opened again.
    const auto resent = send(QStringLiteral("during"));
    QVERIFY2(resent && resent->ok(), qPrintable(why(resent)));
    QVERIFY(**resent > **before);
    QCOMPARE(count(), qsizetype(2));
    const auto twice = send(QStringLiteral("during"));
    QVERIFY2(twice && twice->ok(), qPrintable(why(twice)));
    QCOMPARE(**twice, **resent);
    QCOMPARE(count(), qsizetype(2));
}

QTEST_GUILESS_MAIN(TestSqlEngines)
#include "TestSqlEngines.moc"
