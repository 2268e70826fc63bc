#pragma once

#include <QSqlQuery>
#include <QVariantList>

namespace presently {

// Runs a statement, retrying while SQLite reports the database busy or locked: two gateways may
// share one file, and the busy timeout alone does not cover every case (WAL snapshot upgrades).
class SqlRetry {
public:
    static bool exec(QSqlQuery &query, const QString &sql, const QVariantList &bind = {});
};

} // namespace presently
