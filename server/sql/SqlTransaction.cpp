#include "sql/SqlTransaction.h"

#include "sql/SqlRetry.h"
#include "sql/SqliteConnection.h"

#include <QSqlError>
#include <QSqlQuery>

namespace presently {

SqlTransaction::SqlTransaction(SqliteConnection &connection)
    : m_connection(connection)
    , m_depth(connection.transactionDepth())
{
    m_open = exec(m_depth == 0 ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("SAVEPOINT s%1").arg(m_depth));
    if (m_open)
        ++m_connection.transactionDepth();
}

SqlTransaction::~SqlTransaction()
{
    if (!m_open)
        return;
    if (m_depth == 0)
        exec(QStringLiteral("ROLLBACK"));
    else
        exec(QStringLiteral("ROLLBACK TO s%1").arg(m_depth)) && exec(QStringLiteral("RELEASE s%1").arg(m_depth));
    --m_connection.transactionDepth();
}

bool SqlTransaction::commit()
{
    if (!m_open)
        return false;
    if (!exec(m_depth == 0 ? QStringLiteral("COMMIT") : QStringLiteral("RELEASE s%1").arg(m_depth)))
        return false; // the destructor rolls back
    m_open = false;
    --m_connection.transactionDepth();
    return true;
}

bool SqlTransaction::exec(const QString &sql)
{
    QSqlQuery q(m_connection.database());
    if (SqlRetry::exec(q, sql))
        return true;
    m_error = q.lastError().text();
    return false;
}

} // namespace presently
