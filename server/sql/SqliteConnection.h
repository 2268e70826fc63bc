#pragma once

#include "sql/StoreResult.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>
#include <memory>
#include <unordered_map>

namespace presently {

// One numbered step of a store's schema. Steps run once each, in order, each in its own
// transaction; the version reached is kept per store in the table schema_versions. A database
// made before versions existed is at version 0, and step 1 of each store creates its tables only
// where they are missing, so such a database opens and upgrades in place.
struct SchemaStep {
    int version;
    QStringList statements;
};

// One named QtSql connection to a SQLite file, set up the way every store here needs it: the
// folder made, a busy timeout, WAL, synchronous=FULL, then the store's schema brought up to date.
class SqliteConnection {
public:
    explicit SqliteConnection(const QString &purpose);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection &) = delete;
    SqliteConnection &operator=(const SqliteConnection &) = delete;

    // `busyTimeoutMs`: how long SQLite itself waits for a lock (in coarse sleeps) before SqlRetry
    // takes over with finer ones; 0 leaves all waiting to SqlRetry.
    // `store` names the store in schema_versions (several share one file).
    bool open(const QString &path, const QString &store, const QList<SchemaStep> &schema, QString *error,
              int busyTimeoutMs = 5000);
    // The schema version `store` has in this database (0: none yet); -1 when it cannot be read.
    int schemaVersion(const QString &store);
    QSqlDatabase &database() { return m_db; }
    // The query for `sql`, kept from one use to the next so that SQLite parses and plans it once
    // (SqlRetry::exec prepares it only the first time). Call finish() once its rows are read:
    // a statement left stepping keeps its read snapshot open.
    QSqlQuery &statement(const QString &sql);
    // Runs the kept statement for `sql` (retrying while busy, SqlRetry): the query to read its
    // rows from (finish() it after), or the database's error, the statement finished already.
    StoreResult<QSqlQuery *> run(const QString &sql, const QVariantList &bind = {});

private:
    QString m_name;
    QSqlDatabase m_db;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

} // namespace presently
