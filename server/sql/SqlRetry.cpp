#include "sql/SqlRetry.h"

#include "metrics/Metrics.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QThread>
#include <algorithm>
#include <atomic>

namespace presently {

namespace {
std::atomic<QThread *> forbiddenThread{nullptr};
std::atomic<bool> forbiddenIsFatal{false};

bool isBusy(const QSqlError &error)
{
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    return ok && ((code & 0xff) == 5 || (code & 0xff) == 6);
}

// Qt's PostgreSQL driver prepares through SQL PREPARE, which takes only SELECT, INSERT, UPDATE,
// DELETE, VALUES and WITH; BEGIN, SAVEPOINT, CREATE, SET... run as they are (they bind nothing).
bool isPreparable(const QSqlQuery &query, const QString &sql)
{
    if (!query.driver() || query.driver()->dbmsType() != QSqlDriver::PostgreSQL)
        return true;
    static const QRegularExpression dml(QStringLiteral("^\\s*(SELECT|INSERT|UPDATE|DELETE|VALUES|WITH)\\b"),
                                        QRegularExpression::CaseInsensitiveOption);
    return dml.match(sql).hasMatch();
}
} // namespace

void SqlRetry::forbidThread(QThread *thread, bool fatal)
{
    forbiddenIsFatal = fatal;
    forbiddenThread = thread;
}

bool SqlRetry::exec(QSqlQuery &query, const QString &sql, const QVariantList &bind, bool retryBusy)
{
    if (Q_UNLIKELY(QThread::currentThread() == forbiddenThread.load())) {
        if (forbiddenIsFatal)
            qFatal("SQL on the event loop: %s", qPrintable(sql));
        qCritical("bug: SQL on the event loop: %s", qPrintable(sql));
    }
    // Another gateway's commit holds the lock for about one fsync: look again soon (after 0.1 ms,
    // doubling to 0.8 ms). SQLite's own busy handler sleeps 1, 2, 5, 10, 15... ms, which made
    // waiting for one commit take tens of milliseconds.
    constexpr qint64 kGiveUpMs = 5000;
    QElapsedTimer waiting;
    for (int attempt = 0;; ++attempt) {
        if (!isPreparable(query, sql)) {
            Q_ASSERT(bind.isEmpty());
            if (query.exec(sql))
                return true;
        } else {
            // A kept statement (SqlConnection::statement) is parsed once.
            if (query.lastQuery() != sql)
                query.prepare(sql);
            for (const QVariant &v : bind)
                query.addBindValue(v);
            if (query.exec())
                return true;
        }
        if (!retryBusy || !isBusy(query.lastError()))
            return false;
        Metrics::instance().countSqlRetry();
        if (attempt == 0)
            waiting.start();
        else if (waiting.elapsed() >= kGiveUpMs)
            return false;
        QThread::usleep(100ul << std::min(attempt, 3));
    }
}

} // namespace presently
