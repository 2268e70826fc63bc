#pragma once

#include <QString>

namespace presently {

class SqliteConnection;

// One write transaction, rolled back unless commit() succeeds. BEGIN IMMEDIATE takes the write
// lock up front (waiting, in SqlRetry's steps, for another gateway's commit) rather than failing
// halfway through. Inside another transaction on the same connection it is a savepoint: its
// commit keeps its writes for the outer commit, its rollback undoes only them.
class SqlTransaction {
public:
    explicit SqlTransaction(SqliteConnection &connection);
    ~SqlTransaction();
    SqlTransaction(const SqlTransaction &) = delete;
    SqlTransaction &operator=(const SqlTransaction &) = delete;

    bool begun() const { return m_open; }
    // The outermost one is durable when it returns true (synchronous=FULL).
    bool commit();
    // Why BEGIN or COMMIT failed.
    const QString &error() const { return m_error; }

private:
    bool exec(const QString &sql);

    SqliteConnection &m_connection;
    int m_depth; // 0: the outermost
    bool m_open = false;
    QString m_error;
};

} // namespace presently
