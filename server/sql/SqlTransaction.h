#pragma once

#include <QString>

namespace presently {

class SqlConnection;

// One write transaction, rolled back unless commit() succeeds. On SQLite, BEGIN IMMEDIATE takes
// the write lock up front; on PostgreSQL a writer that must run alone takes it where it needs it
// (SqlConnection::serializeWrites). Inside another transaction on the same connection it is a
// savepoint: its commit keeps its writes for the outer commit, its rollback undoes only them.
class SqlTransaction {
public:
    explicit SqlTransaction(SqlConnection &connection);
    ~SqlTransaction();
    SqlTransaction(const SqlTransaction &) = delete;
    SqlTransaction &operator=(const SqlTransaction &) = delete;

    bool begun() const { return m_open; }
    // The outermost one is durable when it returns true (synchronous=FULL; PostgreSQL's
    // synchronous_commit).
    bool commit();
    // Why BEGIN or COMMIT failed.
    const QString &error() const { return m_error; }

private:
    SqlConnection &m_connection;
    QString m_error; // before m_open: the constructor's BEGIN writes it
    bool m_open = false;
};

} // namespace presently
