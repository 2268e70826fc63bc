// The SQL stores on real SQLite files: a database made before schema versions opens and upgrades
// in place with its data, a failing database answers errors (never a plausible "no"), a
// transaction not committed leaves nothing behind (an inner one undoes only itself), and the store
// threads: one commit for a window of writes, a user's status changes merged into one row write,
// a failing write undoing only itself, reads never behind a lock, and the WAL checkpointed off the
// writers.
#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "messages/MessageStore.h"
#include "sql/SqlTransaction.h"
#include "sql/WalCheckpointer.h"
#include "storage/StoreThread.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace presently;

namespace {
// A plain connection of the test's own, as another program (or an older gateway) would have.
class RawDatabase {
public:
    explicit RawDatabase(const QString &path)
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        m_db.setDatabaseName(path);
        m_db.open();
    }
    ~RawDatabase()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
    }
    bool exec(const QString &sql)
    {
        QSqlQuery q(m_db);
        return q.exec(sql);
    }
    QVariant value(const QString &sql)
    {
        QSqlQuery q(m_db);
        return q.exec(sql) && q.next() ? q.value(0) : QVariant();
    }
    QSqlDatabase &db() { return m_db; }

private:
    QSqlDatabase m_db;
};
} // namespace

class TestStores : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void databaseFromBeforeVersionsUpgrades();
    void failuresAreErrorsNotAnswers();
    void uncommittedTransactionLeavesNothing();
    void windowCommitsOnceAndMergesStatuses();
    void failingWriteUndoesOnlyItself();
    void writesWaitForTheLockReadsDoNot();
    void checkpointerCopiesTheWal();
    void tokensEndByIdleAndAbsoluteLifetime();

private:
    QTemporaryDir m_dir;
};

void TestStores::initTestCase()
{
    QVERIFY(PasswordHasher::initialize());
}

void TestStores::databaseFromBeforeVersionsUpgrades()
{
    const QString path = m_dir.filePath(QStringLiteral("old.sqlite"));
    {
        // The schema and rows exactly as 1dd8106 (before schema versions) wrote them.
        RawDatabase old(path);
        for (const char *sql :
             {"CREATE TABLE users(name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, mode TEXT NOT NULL DEFAULT "
              "'auto', status_text TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL)",
              "CREATE TABLE tokens(digest TEXT PRIMARY KEY, user TEXT NOT NULL, last_used_ms INTEGER NOT NULL)",
              "CREATE TABLE contacts(user TEXT NOT NULL, contact TEXT NOT NULL, since_ms INTEGER NOT NULL, "
              "PRIMARY KEY(user, contact))",
              "CREATE TABLE contact_requests(from_user TEXT NOT NULL, to_user TEXT NOT NULL, ts_ms INTEGER NOT "
              "NULL, PRIMARY KEY(from_user, to_user))",
              "CREATE TABLE messages(mid INTEGER PRIMARY KEY AUTOINCREMENT, cid TEXT NOT NULL, sender TEXT NOT "
              "NULL, recipient TEXT NOT NULL, body TEXT NOT NULL, ts_ms INTEGER NOT NULL, sender_session TEXT NOT "
              "NULL DEFAULT '', UNIQUE(sender, cid))",
              "CREATE TABLE read_marks(user TEXT NOT NULL, peer TEXT NOT NULL, mid INTEGER NOT NULL, PRIMARY "
              "KEY(user, peer))",
              "INSERT INTO users(name, password_hash, mode, created_ms) VALUES('alice', 'h', 'dnd', 1)",
              "INSERT INTO users(name, password_hash, created_ms) VALUES('bob', 'h', 1)",
              "INSERT INTO contacts VALUES('alice', 'bob', 1), ('bob', 'alice', 1)",
              "INSERT INTO messages(cid, sender, recipient, body, ts_ms) VALUES('c1', 'alice', 'bob', 'hi', 5)",
              "INSERT INTO read_marks VALUES('bob', 'alice', 1)", "INSERT INTO tokens VALUES('d1', 'alice', 7)"}) {
            QVERIFY2(old.exec(QLatin1String(sql)), sql);
        }
    }
    for (int opening = 0; opening < 2; ++opening) {
        AccountStore accounts;
        MessageStore messages;
        QString error;
        QVERIFY2(accounts.open(DatabaseAddress::sqliteFile(path), &error), qPrintable(error));
        QVERIFY2(messages.open(DatabaseAddress::sqliteFile(path), &error), qPrintable(error));
        QCOMPARE(accounts.status(QStringLiteral("alice"))->mode, Mode::Dnd);
        QCOMPARE(*accounts.areContacts(QStringLiteral("bob"), QStringLiteral("alice")), true);
        QCOMPARE(*messages.lastMid(), qint64(1));
        QCOMPARE(*messages.readMark(QStringLiteral("bob"), QStringLiteral("alice")), qint64(1));
        QCOMPARE((*messages.findByCid(QStringLiteral("alice"), QStringLiteral("c1")))->body, QStringLiteral("hi"));
    }
    RawDatabase upgraded(path);
    // Accounts went on to step 5 (token issue times, invitations, blocks, declines): a token from before
    // counts from its last use.
    QCOMPARE(upgraded.value(QStringLiteral("SELECT version FROM schema_versions WHERE store = 'accounts'")).toInt(), 5);
    QCOMPARE(upgraded.value(QStringLiteral("SELECT issued_ms FROM tokens WHERE digest = 'd1'")).toInt(), 7);
    QCOMPARE(upgraded.value(QStringLiteral("SELECT version FROM schema_versions WHERE store = 'messages'")).toInt(), 1);
    QCOMPARE(upgraded.value(QStringLiteral("SELECT COUNT(*) FROM schema_versions")).toInt(), 2);
}

void TestStores::failuresAreErrorsNotAnswers()
{
    const QString path = m_dir.filePath(QStringLiteral("failing.sqlite"));
    AccountStore accounts;
    MessageStore messages;
    QString error;
    QVERIFY(accounts.open(DatabaseAddress::sqliteFile(path), &error) &&
            messages.open(DatabaseAddress::sqliteFile(path), &error));
    QCOMPARE(*accounts.userExists(QStringLiteral("nobody")), false); // a real "no"
    {
        RawDatabase other(path);
        QVERIFY(other.exec(QStringLiteral("DROP TABLE users")));
        QVERIFY(other.exec(QStringLiteral("DROP TABLE messages")));
    }
    const StoreResult<bool> exists = accounts.userExists(QStringLiteral("nobody"));
    QVERIFY(!exists.ok()); // not "no such user": the store failed
    QVERIFY(!exists.error().message.isEmpty());
    QVERIFY(!accounts.status(QStringLiteral("alice")).ok());
    QVERIFY(!accounts.addContact(QStringLiteral("alice"), QStringLiteral("bob"), 1).ok());
    QVERIFY(!messages.lastMid().ok());
    QVERIFY(!messages.forUser(QStringLiteral("alice"), 0, 10, 10).ok());
}

void TestStores::uncommittedTransactionLeavesNothing()
{
    const QString path = m_dir.filePath(QStringLiteral("tx.sqlite"));
    SqlConnection connection(QStringLiteral("tx"));
    QString error;
    QVERIFY2(connection.open(DatabaseAddress::sqliteFile(path), &error), qPrintable(error));
    RawDatabase db(path);
    QVERIFY(db.exec(QStringLiteral("CREATE TABLE t(x INTEGER)")));
    const auto insert = [&](int x) { return connection.run(QStringLiteral("INSERT INTO t VALUES(?)"), {x}).ok(); };
    {
        SqlTransaction transaction(connection);
        QVERIFY(transaction.begun());
        QVERIFY(insert(1));
    } // not committed: rolled back
    QCOMPARE(db.value(QStringLiteral("SELECT COUNT(*) FROM t")).toInt(), 0);
    {
        SqlTransaction transaction(connection);
        QVERIFY(insert(2));
        {
            SqlTransaction inner(connection); // a savepoint: its rollback undoes only it
            QVERIFY(inner.begun());
            QVERIFY(insert(3));
        }
        {
            SqlTransaction inner(connection);
            QVERIFY(insert(4));
            QVERIFY(inner.commit()); // kept for the outer commit
        }
        QCOMPARE(db.value(QStringLiteral("SELECT COUNT(*) FROM t")).toInt(), 0); // nothing is committed yet
        QVERIFY(transaction.commit());
    }
    QCOMPARE(db.value(QStringLiteral("SELECT group_concat(x) FROM t")).toString(), QStringLiteral("2,4"));
    QCOMPARE(connection.transactionDepth(), 0);
}

namespace {
// Opens a write thread and a read thread on a new file `name` in `dir`, with alice and bob
// signed up; `context` receives their answers.
struct StoreThreads {
    StoreThreads(const QTemporaryDir &dir, const QString &name)
        : path(dir.filePath(name))
    {
        QString error;
        opened = writes.open(DatabaseAddress::sqliteFile(path), StoreThread::Use::Writes, &error) &&
                 reads.open(DatabaseAddress::sqliteFile(path), StoreThread::Use::Reads, &error);
        if (!opened)
            qWarning("%s", qPrintable(error));
        AccountStore accounts;
        opened = opened && accounts.open(DatabaseAddress::sqliteFile(path), &error) &&
                 accounts.createUser(QStringLiteral("alice"), "h", 1) &&
                 accounts.createUser(QStringLiteral("bob"), "h", 1);
    }
    QString path;
    StoreThread writes{QStringLiteral("writes")};
    StoreThread reads{QStringLiteral("reads")};
    QObject context;
    bool opened = false;
};
} // namespace

void TestStores::windowCommitsOnceAndMergesStatuses()
{
    StoreThreads stores(m_dir, QStringLiteral("window.sqlite"));
    QVERIFY(stores.opened);
    const QString &path = stores.path;
    QObject &context = stores.context;
    // One turn of the loop: three status changes of alice (merged), one of bob, and a message.
    QList<StoredStatus> answers;
    const auto collect = [&](const StoreResult<StoredStatus> &status) {
        answers.append(status ? *status : StoredStatus{Mode::Auto, QStringLiteral("failed")});
    };
    stores.writes.writeStatus(&context, QStringLiteral("alice"), Mode::Invisible, std::nullopt, collect);
    stores.writes.writeStatus(&context, QStringLiteral("alice"), std::nullopt, QStringLiteral("lunch"), collect);
    stores.writes.writeStatus(&context, QStringLiteral("bob"), Mode::Dnd, QStringLiteral("focus"), collect);
    stores.writes.writeStatus(&context, QStringLiteral("alice"), Mode::Dnd, std::nullopt, collect);
    bool stored = false;
    StoredMessage message;
    message.cid = QStringLiteral("c1");
    message.from = QStringLiteral("alice");
    message.to = QStringLiteral("bob");
    message.body = QStringLiteral("hi");
    message.senderSession = QStringLiteral("s");
    stores.writes.write<MessageStore::Inserted>(
        &context, [message](AccountStore *, MessageStore *messages) { return messages->insert(message); },
        [&](const StoreResult<MessageStore::Inserted> &inserted) { stored = inserted && inserted->created; });
    QTRY_COMPARE(answers.size(), 4);
    QVERIFY(stored);
    QCOMPARE(stores.writes.commits(), quint64(1)); // one transaction, one fsync
    for (int i : {0, 1, 3}) { // every answer of alice's is the status as committed: all three merged
        QCOMPARE(answers[i].mode, Mode::Dnd);
        QCOMPARE(answers[i].text, QStringLiteral("lunch"));
    }
    QCOMPARE(answers[2].mode, Mode::Dnd);
    QCOMPARE(answers[2].text, QStringLiteral("focus"));
    RawDatabase db(path);
    QCOMPARE(db.value(QStringLiteral("SELECT mode || '/' || status_text FROM users WHERE name = 'alice'")).toString(),
             QStringLiteral("dnd/lunch"));
}

void TestStores::failingWriteUndoesOnlyItself()
{
    StoreThreads stores(m_dir, QStringLiteral("failing-write.sqlite"));
    QVERIFY(stores.opened);
    const QString &path = stores.path;
    QObject &context = stores.context;
    int answered = 0;
    bool failedOne = false;
    bool keptOne = false;
    // Writes its row, then fails: its row must go, the other job's must stay.
    stores.writes.write<void>(
        &context,
        [](AccountStore *accounts, MessageStore *) -> StoreResult<void> {
            accounts->setStatus(QStringLiteral("alice"), Mode::Dnd, QStringLiteral("undone"));
            return StoreError{QStringLiteral("failed after writing")};
        },
        [&](const StoreResult<void> &result) {
            failedOne = !result;
            ++answered;
        });
    stores.writes.write<void>(
        &context,
        [](AccountStore *accounts, MessageStore *) {
            return accounts->setStatus(QStringLiteral("bob"), Mode::Invisible, QStringLiteral("kept"));
        },
        [&](const StoreResult<void> &result) {
            keptOne = result.ok();
            ++answered;
        });
    QTRY_COMPARE(answered, 2);
    QVERIFY(failedOne && keptOne);
    RawDatabase db(path);
    QCOMPARE(db.value(QStringLiteral("SELECT status_text FROM users WHERE name = 'alice'")).toString(), QString());
    QCOMPARE(db.value(QStringLiteral("SELECT status_text FROM users WHERE name = 'bob'")).toString(),
             QStringLiteral("kept"));
    // The read thread refuses to write.
    bool refused = false;
    bool done = false;
    stores.reads.read<StoreResult<void>>(
        &context,
        [](AccountStore *accounts, MessageStore *) {
            return accounts->setStatus(QStringLiteral("bob"), Mode::Auto, QString());
        },
        [&](const StoreResult<void> &result) {
            refused = !result;
            done = true;
        });
    QTRY_VERIFY(done);
    QVERIFY(refused);
}

void TestStores::writesWaitForTheLockReadsDoNot()
{
    StoreThreads stores(m_dir, QStringLiteral("locked.sqlite"));
    QVERIFY(stores.opened);
    const QString &path = stores.path;
    QObject &context = stores.context;
    RawDatabase locker(path);
    QVERIFY(locker.exec(QStringLiteral("BEGIN IMMEDIATE")));
    // Writes asked for while the lock is held: the first window waits for it, and everything
    // asked for meanwhile goes into the next window.
    int written = 0;
    const auto count = [&](const StoreResult<StoredStatus> &status) { written += status.ok() ? 1 : 0; };
    stores.writes.writeStatus(&context, QStringLiteral("alice"), Mode::Invisible, std::nullopt, count);
    QCoreApplication::processEvents(); // the window starts committing, and waits
    for (int i = 0; i < 10; ++i)
        stores.writes.writeStatus(&context, QStringLiteral("bob"), Mode::Invisible, QString::number(i), count);
    // A read is answered meanwhile.
    bool read = false;
    stores.reads.read<StoreResult<StoredStatus>>(
        &context, [](AccountStore *accounts, MessageStore *) { return accounts->status(QStringLiteral("alice")); },
        [&](const StoreResult<StoredStatus> &status) { read = status.ok(); });
    QTRY_VERIFY(read);
    QCOMPARE(written, 0);
    QVERIFY(locker.exec(QStringLiteral("ROLLBACK")));
    QTRY_COMPARE(written, 11);
    QCOMPARE(stores.writes.commits(), quint64(2));
}

void TestStores::checkpointerCopiesTheWal()
{
    StoreThreads stores(m_dir, QStringLiteral("wal.sqlite"));
    QVERIFY(stores.opened);
    const QString &path = stores.path;
    QObject &context = stores.context;
    int answered = 0;
    for (int i = 0; i < 200; ++i) {
        StoredMessage message;
        message.cid = QString::number(i);
        message.from = QStringLiteral("alice");
        message.to = QStringLiteral("bob");
        message.body = QString(2000, QLatin1Char('x'));
        message.senderSession = QStringLiteral("s");
        stores.writes.write<MessageStore::Inserted>(
            &context, [message](AccountStore *, MessageStore *messages) { return messages->insert(message); },
            [&](const StoreResult<MessageStore::Inserted> &) { ++answered; });
    }
    QTRY_COMPARE(answered, 200);
    // The writers never checkpoint: the rows are in the WAL only.
    const QFileInfo wal(path + QStringLiteral("-wal"));
    QVERIFY(wal.exists() && wal.size() > 200 * 2000);
    WalCheckpointer checkpointer(10);
    QString error;
    QVERIFY2(checkpointer.open(path, &error), qPrintable(error));
    qint64 walFrames = -1;
    qint64 copied = -2;
    connect(&checkpointer, &WalCheckpointer::checkpointed, this, [&](qint64 frames, qint64 done) {
        walFrames = frames;
        copied = done;
    });
    QTRY_VERIFY(walFrames > 0 && copied == walFrames);
    QVERIFY(QFileInfo(path).size() > 200 * 2000);
}

void TestStores::tokensEndByIdleAndAbsoluteLifetime()
{
    const QString path = m_dir.filePath(QStringLiteral("tokens.sqlite"));
    AccountStore accounts;
    QString error;
    QVERIFY2(accounts.open(DatabaseAddress::sqliteFile(path), &error), qPrintable(error));
    constexpr qint64 day = 24LL * 3600 * 1000;
    const QString busy = *accounts.issueToken(QStringLiteral("alice"), 0);
    const QString idle = *accounts.issueToken(QStringLiteral("alice"), 0);
    QVERIFY(accounts.issueToken(QStringLiteral("bob"), 0));
    // Used every few weeks: never idle 30 days, but over at 90 days however used.
    for (qint64 at = 20 * day; at < 90 * day; at += 20 * day)
        QVERIFY(accounts.touchToken(busy, at));
    const auto use = [&](const QString &token) { return **accounts.findToken(token); };
    QVERIFY(!use(busy).expired(89 * day));
    QVERIFY(use(busy).expired(90 * day + 1));
    QVERIFY(use(idle).expired(30 * day + 1)); // idle
    QVERIFY(!use(idle).expired(30 * day));
    QCOMPARE(*accounts.pruneExpiredTokens(89 * day), 2); // idle and bob's: unused for 89 days
    QVERIFY(accounts.findToken(busy)->has_value());
    QVERIFY(!accounts.findToken(idle)->has_value());
    QCOMPARE(*accounts.pruneExpiredTokens(91 * day), 1);
    QVERIFY(!accounts.findToken(busy)->has_value());
    // Every token of a user but one, then all of them.
    const QString keep = *accounts.issueToken(QStringLiteral("carol"), 100 * day);
    QVERIFY(accounts.issueToken(QStringLiteral("carol"), 100 * day));
    QVERIFY(accounts.issueToken(QStringLiteral("dave"), 100 * day));
    QCOMPARE(*accounts.revokeTokensOf(QStringLiteral("carol"), PasswordHasher::tokenDigest(keep)), 1);
    QVERIFY(accounts.findToken(keep)->has_value());
    QCOMPARE(*accounts.revokeTokensOf(QStringLiteral("carol")), 1);
    QVERIFY(!accounts.findToken(keep)->has_value());
}

QTEST_GUILESS_MAIN(TestStores)
#include "TestStores.moc"
