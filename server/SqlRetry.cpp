#include "SqlRetry.h"

#include <QSqlError>
#include <QThread>

namespace presently {

namespace {
bool isBusy(const QSqlError &error)
{
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    return ok && ((code & 0xff) == 5 || (code & 0xff) == 6);
}
} // namespace

bool SqlRetry::exec(QSqlQuery &query, const QString &sql, const QVariantList &bind)
{
    constexpr int kAttempts = 20;
    for (int attempt = 0;; ++attempt) {
        // A kept statement (SqliteConnection::statement) is parsed once; after a busy error it is
        // prepared again, as a new one is.
        if (attempt > 0 || query.lastQuery() != sql)
            query.prepare(sql);
        for (const QVariant &v : bind)
            query.addBindValue(v);
        if (query.exec())
            return true;
        if (attempt + 1 >= kAttempts || !isBusy(query.lastError()))
            return false;
        QThread::msleep(static_cast<unsigned long>(5 * (attempt + 1)));
    }
}

} // namespace presently
