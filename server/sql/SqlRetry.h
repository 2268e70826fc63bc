#pragma once

#include <QSqlQuery>
#include <QVariantList>

class QThread;

namespace presently {

// Runs a statement, retrying while SQLite reports the database busy or locked: two gateways may
// share one file, and the busy timeout alone does not cover every case (WAL snapshot upgrades).
// PostgreSQL waits for locks itself and a failed statement spoils its transaction, so there
// `retryBusy` is false and whole transactions are run again instead (StoreThread).
class SqlRetry {
public:
    static bool exec(QSqlQuery &query, const QString &sql, const QVariantList &bind = {}, bool retryBusy = true);
    // No statement may run on `thread` (the gateway's event loop) from now on: one that does is
    // logged as a bug, or, with `fatal` (the tests), ends the process.
    static void forbidThread(QThread *thread, bool fatal);
};

} // namespace presently
