#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>
#include <memory>
#include <unordered_map>

namespace presently {

// One named QtSql connection to a SQLite file, set up the way every store here needs it: the
// folder made, a busy timeout, WAL, synchronous=FULL, then the store's own schema.
class SqliteConnection {
public:
    explicit SqliteConnection(const QString &purpose);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection &) = delete;
    SqliteConnection &operator=(const SqliteConnection &) = delete;

    // `busyTimeoutMs`: how long SQLite itself waits for a lock (in coarse sleeps) before SqlRetry
    // takes over with finer ones; 0 leaves all waiting to SqlRetry.
    bool open(const QString &path, const QStringList &schema, QString *error, int busyTimeoutMs = 5000);
    QSqlDatabase &database() { return m_db; }
    // The query for `sql`, kept from one use to the next so that SQLite parses and plans it once
    // (SqlRetry::exec prepares it only the first time). Call finish() once its rows are read:
    // a statement left stepping keeps its read snapshot open.
    QSqlQuery &statement(const QString &sql);

private:
    QString m_name;
    QSqlDatabase m_db;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

} // namespace presently
