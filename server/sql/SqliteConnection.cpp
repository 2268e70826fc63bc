#include "sql/SqliteConnection.h"

#include "sql/SqlRetry.h"
#include "sql/SqlTransaction.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace presently {

SqliteConnection::SqliteConnection(const QString &purpose)
    : m_name(purpose + QLatin1Char('-') + QUuid::createUuid().toString(QUuid::WithoutBraces))
{}

SqliteConnection::~SqliteConnection()
{
    m_statements.clear(); // before the connection they belong to
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
}

QSqlQuery &SqliteConnection::statement(const QString &sql)
{
    std::unique_ptr<QSqlQuery> &query = m_statements[sql];
    if (!query) {
        query = std::make_unique<QSqlQuery>(m_db);
        query->setForwardOnly(true);
    }
    return *query;
}

StoreResult<QSqlQuery *> SqliteConnection::run(const QString &sql, const QVariantList &bind)
{
    QSqlQuery &q = statement(sql);
    if (SqlRetry::exec(q, sql, bind))
        return &q;
    const QString error = q.lastError().text();
    q.finish();
    return StoreError{error};
}

bool SqliteConnection::open(const QString &path, QString *error, const Options &options)
{
    if (m_db.isOpen())
        return true;
    // Accounts, password hashes, tokens and messages: readable by this user only. A folder made
    // here is 0700; a database made here starts as an empty 0600 file (an empty file is an empty
    // database), whose mode SQLite gives its WAL and shared-memory files too.
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDir(folder).exists() && QDir().mkpath(folder))
        QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QFile file(path);
    if (!file.exists() && file.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        file.close();
    }
    m_path = path;
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(options.busyTimeoutMs));
    if (!m_db.open()) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, m_db.lastError().text());
        return false;
    }
    QStringList setUp = {QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA synchronous=FULL"),
                         // A WAL that grew under load is cut back when it starts over.
                         QStringLiteral("PRAGMA journal_size_limit=67108864"),
                         QStringLiteral("CREATE TABLE IF NOT EXISTS schema_versions(store TEXT PRIMARY KEY, "
                                        "version INTEGER NOT NULL)")};
    if (!options.autoCheckpoint)
        setUp.append(QStringLiteral("PRAGMA wal_autocheckpoint=0"));
    for (const QString &sql : std::as_const(setUp)) {
        QSqlQuery q(m_db);
        if (!SqlRetry::exec(q, sql)) {
            *error = QStringLiteral("cannot set up %1: %2").arg(path, q.lastError().text());
            return false;
        }
    }
    return true;
}

bool SqliteConnection::migrate(const QString &store, const QList<SchemaStep> &schema, QString *error)
{
    const QString &path = m_path;
    for (const SchemaStep &step : schema) {
        // The version is read again inside the step's transaction: gateways starting together
        // take turns, and each step runs once.
        SqlTransaction transaction(*this);
        const int version = transaction.begun() ? schemaVersion(store) : -1;
        if (version >= step.version)
            continue;
        bool ok = version >= 0;
        for (const QString &sql : step.statements) {
            QSqlQuery q(m_db);
            if (ok && !SqlRetry::exec(q, sql)) {
                *error = QStringLiteral("cannot upgrade %1 (%2, step %3): %4")
                             .arg(path, store)
                             .arg(step.version)
                             .arg(q.lastError().text());
                return false;
            }
        }
        QSqlQuery q(m_db);
        if (!ok ||
            !SqlRetry::exec(
                q,
                QStringLiteral("INSERT INTO schema_versions(store, version) VALUES(?, ?) ON CONFLICT(store) "
                               "DO UPDATE SET version = excluded.version"),
                {store, step.version}) ||
            !transaction.commit()) {
            *error = QStringLiteral("cannot upgrade %1 (%2, step %3): %4")
                         .arg(path, store)
                         .arg(step.version)
                         .arg(transaction.error().isEmpty() ? q.lastError().text() : transaction.error());
            return false;
        }
    }
    return true;
}

int SqliteConnection::schemaVersion(const QString &store)
{
    QSqlQuery q(m_db);
    if (!SqlRetry::exec(q, QStringLiteral("SELECT version FROM schema_versions WHERE store = ?"), {store}))
        return -1;
    return q.next() ? q.value(0).toInt() : 0;
}

} // namespace presently
