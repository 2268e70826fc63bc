// The SQL stores on real SQLite files: a database made before schema versions opens and upgrades
// in place with its data, a failing database answers errors (never a plausible "no"), and a
// transaction not committed leaves nothing behind.
#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "messages/MessageStore.h"
#include "sql/SqlTransaction.h"

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
              "INSERT INTO read_marks VALUES('bob', 'alice', 1)"}) {
            QVERIFY2(old.exec(QLatin1String(sql)), sql);
        }
    }
    for (int opening = 0; opening < 2; ++opening) {
        AccountStore accounts;
        MessageStore messages;
        QString error;
        QVERIFY2(accounts.open(path, &error), qPrintable(error));
        QVERIFY2(messages.open(path, &error), qPrintable(error));
        QCOMPARE(accounts.status(QStringLiteral("alice"))->mode, Mode::Dnd);
        QCOMPARE(*accounts.areContacts(QStringLiteral("bob"), QStringLiteral("alice")), true);
        QCOMPARE(*messages.lastMid(), qint64(1));
        QCOMPARE(*messages.readMark(QStringLiteral("bob"), QStringLiteral("alice")), qint64(1));
        QCOMPARE((*messages.findByCid(QStringLiteral("alice"), QStringLiteral("c1")))->body, QStringLiteral("hi"));
    }
    RawDatabase upgraded(path);
    QCOMPARE(upgraded.value(QStringLiteral("SELECT version FROM schema_versions WHERE store = 'accounts'")).toInt(), 1);
    QCOMPARE(upgraded.value(QStringLiteral("SELECT version FROM schema_versions WHERE store = 'messages'")).toInt(), 1);
    QCOMPARE(upgraded.value(QStringLiteral("SELECT COUNT(*) FROM schema_versions")).toInt(), 2);
}

void TestStores::failuresAreErrorsNotAnswers()
{
    const QString path = m_dir.filePath(QStringLiteral("failing.sqlite"));
    AccountStore accounts;
    MessageStore messages;
    QString error;
    QVERIFY(accounts.open(path, &error) && messages.open(path, &error));
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
    RawDatabase db(path);
    QVERIFY(db.exec(QStringLiteral("CREATE TABLE t(x INTEGER)")));
    {
        SqlTransaction transaction(db.db());
        QVERIFY(transaction.begun());
        QVERIFY(db.exec(QStringLiteral("INSERT INTO t VALUES(1)")));
    } // not committed: rolled back
    QCOMPARE(db.value(QStringLiteral("SELECT COUNT(*) FROM t")).toInt(), 0);
    {
        SqlTransaction transaction(db.db());
        QVERIFY(db.exec(QStringLiteral("INSERT INTO t VALUES(2)")));
        QVERIFY(transaction.commit());
    }
    QCOMPARE(db.value(QStringLiteral("SELECT COUNT(*) FROM t")).toInt(), 1);
}

QTEST_GUILESS_MAIN(TestStores)
#include "TestStores.moc"
