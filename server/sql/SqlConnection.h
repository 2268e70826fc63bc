#pragma once

#include "sql/DatabaseAddress.h"
#include "sql/StoreResult.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>
#include <memory>
#include <unordered_map>
#include <utility>

namespace presently {

// One numbered step of a store's schema. Steps run once each, in order, each in its own
// transaction; the version reached is kept per store in the table schema_versions. A database
// made before versions existed is at version 0, and step 1 of each store creates its tables only
// where they are missing, so such a database opens and upgrades in place. Statements are written
// for SQLite; on PostgreSQL, INTEGER columns become BIGINT (times are in ms) and an INTEGER
// PRIMARY KEY AUTOINCREMENT an identity column (see forEngine).
struct SchemaStep {
    int version;
    QStringList statements;
};

// One named QtSql connection to the database, set up the way every store here needs it.
// SQLite: the folder made, a busy timeout, WAL, synchronous=FULL. PostgreSQL: connect and TCP
// timeouts, and a lost connection (a restarted server) opened again. Then each store's schema
// brought up to date (several stores may share one connection, and so one transaction). The
// stores' SQL is written once for both engines: "user" quoted, ON CONFLICT, RETURNING.
class SqlConnection {
public:
    struct Options {
        // SQLite: how long SQLite itself waits for a lock (in coarse sleeps) before SqlRetry takes
        // over with finer ones; 0 leaves all waiting to SqlRetry.
        int busyTimeoutMs = 5000;
        // SQLite: off where a WalCheckpointer does it, so a commit never waits for a checkpoint.
        bool autoCheckpoint = true;
        // Refuses every write (a connection for reads only).
        bool readOnly = false;
    };

    explicit SqlConnection(const QString &purpose);
    ~SqlConnection();
    SqlConnection(const SqlConnection &) = delete;
    SqlConnection &operator=(const SqlConnection &) = delete;

    // Opens the database (true at once if this connection is open already).
    bool open(const DatabaseAddress &address, QString *error, const Options &options);
    bool open(const DatabaseAddress &address, QString *error) { return open(address, error, Options()); }
    bool isOpen() const { return m_db.isOpen(); }
    bool isPostgres() const { return m_address.isPostgres(); }
    // Brings `store`'s schema up to date; `store` names it in schema_versions.
    bool migrate(const QString &store, const QList<SchemaStep> &schema, QString *error);
    // The schema version `store` has in this database (0: none yet); -1 when it cannot be read.
    int schemaVersion(const QString &store);
    QSqlDatabase &database() { return m_db; }
    // The query for `sql`, kept from one use to the next so that the database parses and plans it
    // once (SqlRetry::exec prepares it only the first time). Call finish() once its rows are read:
    // a statement left stepping keeps its read snapshot open.
    QSqlQuery &statement(const QString &sql);
    // Runs the kept statement for `sql` (retrying while busy, SqlRetry): the query to read its
    // rows from (finish() it after), or the database's error, the statement finished already.
    // Outside a transaction, a connection found lost is opened again and the statement run once
    // more.
    StoreResult<QSqlQuery *> run(const QString &sql, const QVariantList &bind = {});

    // Writes that must not interleave with another gateway's (a message's mid, contact changes)
    // call this first, inside their transaction: the rest of the transaction runs alone among
    // writers, as SQLite's BEGIN IMMEDIATE already makes every write transaction. On PostgreSQL
    // a transaction-level advisory lock, taken once per transaction and held to its end, so mids
    // are assigned in commit order and a reader of (last, newest] can never skip a row that
    // commits later with a smaller mid.
    StoreResult<void> serializeWrites();

    // True (once) when a statement failed since the last call in a way that running its whole
    // transaction again may cure: a PostgreSQL serialization failure or deadlock, or a lost
    // connection (opened again at the next transaction).
    bool takeRetryableFailure() { return std::exchange(m_retryableFailure, false); }

    // Open SqlTransactions on this connection: an inner one is a savepoint of the outer.
    int transactionDepth() const { return m_transactionDepth; }
    // For SqlTransaction, at the current depth (0: the outermost, else a savepoint). The
    // outermost begin opens a lost connection again first.
    bool beginTransaction(QString *error);
    bool commitTransaction(QString *error);
    void rollbackTransaction();

    // `sql` (SQLite's dialect) as this connection's engine takes it; only schema needs it.
    QString forEngine(const QString &sql) const;

private:
    bool connect(QString *error);
    void disconnect();
    // A transaction's own statement (BEGIN, SAVEPOINT, COMMIT...).
    bool control(const QString &sql, QString *error);
    // Whether a failed statement's error calls for reconnecting or rerunning (see above).
    void noteFailure(const QSqlQuery &query);
    void transactionEnded(bool committed);

    QString m_name;
    DatabaseAddress m_address;
    Options m_options;
    int m_transactionDepth = 0;
    int m_serializedAtDepth = -1; // the transaction depth that took the write lock; -1: none
    bool m_lost = false;
    bool m_retryableFailure = false;
    QSqlDatabase m_db;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

} // namespace presently
