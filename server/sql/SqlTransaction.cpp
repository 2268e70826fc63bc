#include "sql/SqlTransaction.h"

#include "sql/SqlRetry.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace presently {

SqlTransaction::SqlTransaction(QSqlDatabase &db)
    : m_db(db)
{
    QSqlQuery q(m_db);
    m_open = SqlRetry::exec(q, QStringLiteral("BEGIN IMMEDIATE"));
    if (!m_open)
        m_error = q.lastError().text();
}

SqlTransaction::~SqlTransaction()
{
    if (m_open) {
        QSqlQuery q(m_db);
        SqlRetry::exec(q, QStringLiteral("ROLLBACK"));
    }
}

bool SqlTransaction::commit()
{
    if (!m_open)
        return false;
    QSqlQuery q(m_db);
    if (!SqlRetry::exec(q, QStringLiteral("COMMIT"))) {
        m_error = q.lastError().text();
        return false; // the destructor rolls back
    }
    m_open = false;
    return true;
}

} // namespace presently
