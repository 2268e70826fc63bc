#include "sql/SqliteConnection.h"

#include "sql/SqlRetry.h"

#include <QDir>
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

bool SqliteConnection::open(const QString &path, const QStringList &schema, QString *error, int busyTimeoutMs)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(busyTimeoutMs));
    if (!m_db.open()) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, m_db.lastError().text());
        return false;
    }
    const QStringList setup =
        QStringList{QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA synchronous=FULL")} + schema;
    for (const QString &sql : setup) {
        QSqlQuery q(m_db);
        if (!SqlRetry::exec(q, sql)) {
            *error = QStringLiteral("cannot set up %1: %2").arg(path, q.lastError().text());
            return false;
        }
    }
    return true;
}

} // namespace presently
