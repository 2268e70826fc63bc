#include "sql/SqlTransaction.h"

#include "sql/SqlConnection.h"

namespace presently {

SqlTransaction::SqlTransaction(SqlConnection &connection)
    : m_connection(connection)
    , m_open(connection.beginTransaction(&m_error))
{}

SqlTransaction::~SqlTransaction()
{
    if (m_open)
        m_connection.rollbackTransaction();
}

bool SqlTransaction::commit()
{
    if (!m_open)
        return false;
    if (!m_connection.commitTransaction(&m_error))
        return false; // the destructor rolls back
    m_open = false;
    return true;
}

} // namespace presently
