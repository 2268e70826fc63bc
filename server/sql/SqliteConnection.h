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
// folder made, a busy timeout, WAL, synchronous=FULL; then each store's schema brought up to date
// (several stores may share one connection, and so one transaction).
class SqliteConnection {
public:
    struct Options {
        // How long SQLite itself waits for a lock (in coarse sleeps) before SqlRetry takes over
        // with finer ones; 0 leaves all waiting to SqlRetry.
        int busyTimeoutMs = 5000;
        // Off where a WalCheckpointer does it: a commit then never waits for a checkpoint.
        bool autoCheckpoint = true;
    };

    explicit SqliteConnection(const QString &purpose);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection &) = delete;
    SqliteConnection &operator=(const SqliteConnection &) = delete;

    // Opens the file (true at once if this connection is open already).
    bool open(const QString &path, QString *error, const Options &options);
    bool open(const QString &path, QString *error) { return open(path, error, Options()); }
    bool isOpen() const { return m_db.isOpen(); }
    // Brings `store`'s schema up to date; `store` names it in schema_versions.
    bool migrate(const QString &store, const QList<SchemaStep> &schema, QString *error);
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

    // Open SqlTransactions on this connection: an inner one is a savepoint of the outer.
    int &transactionDepth() { return m_transactionDepth; }

private:
    QString m_name;
    QString m_path;
    int m_transactionDepth = 0;
    QSqlDatabase m_db;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

} // namespace presently
