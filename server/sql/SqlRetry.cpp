#include "sql/SqlRetry.h"

#include "metrics/Metrics.h"

#include <QElapsedTimer>
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
} // namespace

void SqlRetry::forbidThread(QThread *thread, bool fatal)
{
    forbiddenIsFatal = fatal;
    forbiddenThread = thread;
}

bool SqlRetry::exec(QSqlQuery &query, const QString &sql, const QVariantList &bind)
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
        // A kept statement (SqliteConnection::statement) is parsed once.
        if (query.lastQuery() != sql)
            query.prepare(sql);
        for (const QVariant &v : bind)
            query.addBindValue(v);
        if (query.exec())
            return true;
        if (!isBusy(query.lastError()))
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
