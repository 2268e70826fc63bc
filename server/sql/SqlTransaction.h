#pragma once

#include <QString>

class QSqlDatabase;

namespace presently {

// One write transaction, rolled back unless commit() succeeds. BEGIN IMMEDIATE takes the write
// lock up front (waiting, in SqlRetry's steps, for another gateway's commit) rather than failing
// halfway through.
class SqlTransaction {
public:
    explicit SqlTransaction(QSqlDatabase &db);
    ~SqlTransaction();
    SqlTransaction(const SqlTransaction &) = delete;
    SqlTransaction &operator=(const SqlTransaction &) = delete;

    bool begun() const { return m_open; }
    // Durable when it returns true (synchronous=FULL).
    bool commit();
    // Why BEGIN or COMMIT failed.
    const QString &error() const { return m_error; }

private:
    QSqlDatabase &m_db;
    bool m_open = false;
    QString m_error;
};

} // namespace presently
