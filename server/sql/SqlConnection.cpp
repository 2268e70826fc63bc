#include "sql/SqlConnection.h"

#include "sql/SqlRetry.h"
#include "sql/SqlTransaction.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

Q_LOGGING_CATEGORY(lcSql, "presently.sql")

namespace presently {

namespace {
// The advisory lock every serialised PostgreSQL write transaction takes ("PRSN").
constexpr qint64 kWriteLockKey = 0x5052534e;

// SQLSTATE classes after which a PostgreSQL connection is gone or going: connection exceptions,
// an administrator's shutdown or a crash (57P01-57P03). libpq's own "server closed the
// connection" carries no SQLSTATE at all.
bool isConnectionLost(const QString &state)
{
    return state.isEmpty() || state.startsWith(QLatin1String("08")) || state.startsWith(QLatin1String("57P"));
}

// Serialization failure, deadlock: the transaction may succeed when run again.
bool isTransient(const QString &state)
{
    return state == QLatin1String("40001") || state == QLatin1String("40P01");
}
} // namespace

SqlConnection::SqlConnection(const QString &purpose)
    : m_name(purpose + QLatin1Char('-') + QUuid::createUuid().toString(QUuid::WithoutBraces))
{}

SqlConnection::~SqlConnection()
{
    disconnect(); // the kept statements first, then the connection they belong to
}

QSqlQuery &SqlConnection::statement(const QString &sql)
{
    std::unique_ptr<QSqlQuery> &query = m_statements[sql];
    if (!query) {
        query = std::make_unique<QSqlQuery>(m_db);
        query->setForwardOnly(true);
    }
    return *query;
}

StoreResult<QSqlQuery *> SqlConnection::run(const QString &sql, const QVariantList &bind)
{
    for (int attempt = 0;; ++attempt) {
        if (m_lost && m_transactionDepth == 0) {
            QString error;
            if (!connect(&error))
                return StoreError{error};
        }
        QSqlQuery &q = statement(sql);
        if (SqlRetry::exec(q, sql, bind, !isPostgres()))
            return &q;
        const QString error = q.lastError().text();
        noteFailure(q);
        q.finish();
        // Outside a transaction nothing was half done: once more on a new connection.
        if (!(m_lost && m_transactionDepth == 0 && attempt == 0))
            return StoreError{error};
    }
}

void SqlConnection::noteFailure(const QSqlQuery &query)
{
    if (!isPostgres())
        return;
    const QString state = query.lastError().nativeErrorCode();
    if (isConnectionLost(state)) {
        if (!m_lost)
            qCWarning(lcSql).noquote() << m_name << "lost its connection to" << m_address.describe() << "("
                                       << query.lastError().text().trimmed() << ")";
        m_lost = true;
        m_retryableFailure = true;
    } else if (isTransient(state)) {
        m_retryableFailure = true;
    }
}

bool SqlConnection::open(const DatabaseAddress &address, QString *error, const Options &options)
{
    if (m_db.isOpen())
        return true;
    m_address = address;
    m_options = options;
    if (!isPostgres()) {
        // Accounts, password hashes, tokens and messages: readable by this user only. A folder
        // made here is 0700; a database made here starts as an empty 0600 file (an empty file is
        // an empty database), whose mode SQLite gives its WAL and shared-memory files too.
        const QString folder = QFileInfo(address.path).absolutePath();
        if (!QDir(folder).exists() && QDir().mkpath(folder))
            QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QFile file(address.path);
        if (!file.exists() && file.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
            file.close();
        }
    }
    if (!connect(error))
        return false;
    if (m_options.readOnly)
        return true; // the writer keeps the schema
    // Where the schema versions are kept, made once (on PostgreSQL, gateways starting together
    // take turns through the write lock).
    SqlTransaction transaction(*this);
    StoreResult<void> alone = transaction.begun() ? serializeWrites() : StoreError{transaction.error()};
    StoreResult<QSqlQuery *> made = StoreError{QString()};
    if (alone)
        made = run(forEngine(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_versions(store TEXT PRIMARY KEY, "
                                            "version INTEGER NOT NULL)")));
    if (!alone || !made || !transaction.commit()) {
        *error = QStringLiteral("cannot set up %1: %2")
                     .arg(m_address.describe(), !alone  ? alone.error().message
                                                : !made ? made.error().message
                                                        : transaction.error());
        return false;
    }
    return true;
}

bool SqlConnection::connect(QString *error)
{
    disconnect();
    const QString where = m_address.describe();
    m_db = QSqlDatabase::addDatabase(isPostgres() ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), m_name);
    if (!m_db.isValid()) {
        *error = QStringLiteral("cannot open %1: Qt has no %2 driver here (%3)")
                     .arg(where, isPostgres() ? QStringLiteral("PostgreSQL (QPSQL)") : QStringLiteral("SQLite"),
                          QSqlDatabase::drivers().join(QStringLiteral(", ")));
        return false;
    }
    QStringList setUp;
    if (isPostgres()) {
        m_db.setHostName(m_address.host);
        m_db.setPort(m_address.port);
        m_db.setUserName(m_address.user);
        m_db.setPassword(m_address.password);
        m_db.setDatabaseName(m_address.database);
        // A server that does not answer is noticed in seconds, not at TCP's two hours; the URL's
        // own options come last and win.
        QStringList options = {
            QStringLiteral("connect_timeout=5"),      QStringLiteral("keepalives_idle=10"),
            QStringLiteral("keepalives_interval=3"),  QStringLiteral("keepalives_count=3"),
            QStringLiteral("tcp_user_timeout=15000"), QStringLiteral("application_name=presently-server")};
        if (!m_address.options.isEmpty())
            options.append(m_address.options);
        m_db.setConnectOptions(options.join(QLatin1Char(';')));
        if (m_options.readOnly)
            setUp.append(QStringLiteral("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"));
    } else {
        m_db.setDatabaseName(m_address.path);
        m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_options.busyTimeoutMs));
        setUp = {QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA synchronous=FULL"),
                 // A WAL that grew under load is cut back when it starts over.
                 QStringLiteral("PRAGMA journal_size_limit=67108864")};
        if (!m_options.autoCheckpoint)
            setUp.append(QStringLiteral("PRAGMA wal_autocheckpoint=0"));
        if (m_options.readOnly)
            setUp.append(QStringLiteral("PRAGMA query_only=1"));
    }
    if (!m_db.open()) {
        *error = QStringLiteral("cannot open %1: %2").arg(where, m_db.lastError().text().trimmed());
        m_lost = isPostgres(); // tried again at the next statement
        return false;
    }
    for (const QString &sql : std::as_const(setUp)) {
        QSqlQuery q(m_db);
        if (!SqlRetry::exec(q, sql, {}, !isPostgres())) {
            *error = QStringLiteral("cannot set up %1: %2").arg(where, q.lastError().text());
            m_lost = isPostgres();
            return false;
        }
    }
    if (m_lost)
        qCInfo(lcSql).noquote() << m_name << "connected to" << where << "again";
    m_lost = false;
    return true;
}

void SqlConnection::disconnect()
{
    m_statements.clear(); // prepared on the old connection
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
}

bool SqlConnection::control(const QString &sql, QString *error)
{
    QSqlQuery q(m_db);
    if (SqlRetry::exec(q, sql, {}, !isPostgres()))
        return true;
    noteFailure(q);
    if (error)
        *error = q.lastError().text().trimmed();
    return false;
}

bool SqlConnection::beginTransaction(QString *error)
{
    const int depth = m_transactionDepth;
    if (depth == 0 && m_lost && !connect(error))
        return false;
    // SQLite: BEGIN IMMEDIATE takes the write lock up front (waiting, in SqlRetry's steps, for
    // another gateway's commit) rather than failing halfway through. PostgreSQL writers take
    // theirs where they need it (serializeWrites).
    const QString begin = isPostgres() ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE");
    if (!control(depth == 0 ? begin : QStringLiteral("SAVEPOINT s%1").arg(depth), error))
        return false;
    ++m_transactionDepth;
    return true;
}

bool SqlConnection::commitTransaction(QString *error)
{
    const int depth = m_transactionDepth - 1;
    if (!control(depth == 0 ? QStringLiteral("COMMIT") : QStringLiteral("RELEASE s%1").arg(depth), error))
        return false; // still open: the caller rolls back
    transactionEnded(true);
    return true;
}

void SqlConnection::rollbackTransaction()
{
    const int depth = m_transactionDepth - 1;
    if (depth == 0)
        control(QStringLiteral("ROLLBACK"), nullptr);
    else
        control(QStringLiteral("ROLLBACK TO s%1").arg(depth), nullptr) &&
            control(QStringLiteral("RELEASE s%1").arg(depth), nullptr);
    transactionEnded(false);
}

void SqlConnection::transactionEnded(bool committed)
{
    const int depth = --m_transactionDepth;
    // The write lock belongs to the outermost transaction once a savepoint that took it is
    // released, and is gone with a savepoint rolled back (PostgreSQL releases it there too).
    if (m_serializedAtDepth >= depth)
        m_serializedAtDepth = committed && depth > 0 ? depth - 1 : -1;
}

StoreResult<void> SqlConnection::serializeWrites()
{
    if (!isPostgres() || m_serializedAtDepth >= 0)
        return {};
    const StoreResult<QSqlQuery *> locked = run(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kWriteLockKey));
    if (!locked)
        return locked.error();
    (*locked)->finish();
    m_serializedAtDepth = m_transactionDepth - 1;
    return {};
}

QString SqlConnection::forEngine(const QString &sql) const
{
    if (!isPostgres())
        return sql;
    static const QRegularExpression rowid(QStringLiteral("\\bINTEGER PRIMARY KEY AUTOINCREMENT\\b"));
    static const QRegularExpression integer(QStringLiteral("\\bINTEGER\\b"));
    QString out = sql;
    out.replace(rowid, QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"));
    return out.replace(integer, QStringLiteral("BIGINT"));
}

bool SqlConnection::migrate(const QString &store, const QList<SchemaStep> &schema, QString *error)
{
    if (m_options.readOnly)
        return true; // the writer's connection brings the schema up to date; it opens first
    const QString where = m_address.describe();
    for (const SchemaStep &step : schema) {
        // The version is read again inside the step's transaction, under the write lock:
        // gateways starting together take turns, and each step runs once.
        SqlTransaction transaction(*this);
        const int version = transaction.begun() && serializeWrites() ? schemaVersion(store) : -1;
        if (version >= step.version)
            continue;
        QString failed = version < 0 ? transaction.error() : QString();
        for (const QString &sql : step.statements) {
            if (!failed.isEmpty())
                break;
            if (const StoreResult<QSqlQuery *> done = run(forEngine(sql)); !done)
                failed = done.error().message;
            else
                (*done)->finish();
        }
        if (failed.isEmpty()) {
            const StoreResult<QSqlQuery *> noted =
                run(QStringLiteral("INSERT INTO schema_versions(store, version) VALUES(?, ?) ON CONFLICT(store) "
                                   "DO UPDATE SET version = excluded.version"),
                    {store, step.version});
            if (!noted)
                failed = noted.error().message;
            else if (!transaction.commit())
                failed = transaction.error();
        }
        if (!failed.isEmpty()) {
            *error =
                QStringLiteral("cannot upgrade %1 (%2, step %3): %4").arg(where, store).arg(step.version).arg(failed);
            return false;
        }
    }
    return true;
}

int SqlConnection::schemaVersion(const QString &store)
{
    const StoreResult<QSqlQuery *> q =
        run(QStringLiteral("SELECT version FROM schema_versions WHERE store = ?"), {store});
    if (!q)
        return -1;
    const int version = (*q)->next() ? (*q)->value(0).toInt() : 0;
    (*q)->finish();
    return version;
}

} // namespace presently
