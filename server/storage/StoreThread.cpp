#include "storage/StoreThread.h"

#include "sql/SqlTransaction.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QThread>

Q_LOGGING_CATEGORY(lcStorage, "presently.storage")

namespace presently {

StoreThread::StoreThread(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
{}

StoreThread::~StoreThread()
{
    // Windows already posted commit first (the thread runs jobs in order); what is still gathered
    // commits now. Nobody is told: the clients resend by cid or ask again after reconnecting.
    Window last = std::exchange(m_window, {});
    m_thread.runAndWait([this, &last] {
        if (m_connection && !last.empty())
            commitWindow(last);
        m_messages.reset();
        m_accounts.reset();
        m_connection.reset();
    });
}

bool StoreThread::open(const DatabaseAddress &address, Use use, QString *error)
{
    bool opened = false;
    m_thread.runAndWait([&] {
        m_connection = std::make_unique<SqlConnection>(m_name);
        SqlConnection::Options options;
        options.busyTimeoutMs = 0;      // SqlRetry waits, in fine steps
        options.autoCheckpoint = false; // a WalCheckpointer does it: a commit never waits for one
        options.readOnly = use == Use::Reads;
        m_accounts = std::make_unique<AccountStore>(*m_connection);
        m_messages = std::make_unique<MessageStore>(*m_connection);
        opened = m_connection->open(address, error, options) && m_accounts->open(address, error) &&
                 m_messages->open(address, error);
    });
    return opened;
}

void StoreThread::writeStatus(QObject *context, const QString &user, std::optional<Mode> mode,
                              const std::optional<QString> &text,
                              std::function<void(const StoreResult<StoredStatus> &)> done)
{
    std::shared_ptr<StatusChange> &change = m_window.statuses[user];
    if (!change)
        change = std::make_shared<StatusChange>();
    if (mode)
        change->mode = mode;
    if (text)
        change->text = text;
    m_window.statusWaiters.push_back({context, user, std::move(done)});
    scheduleCommit();
}

void StoreThread::scheduleCommit()
{
    // At the end of this turn of the event loop, or when the window committing now is done.
    if (m_commitScheduled || m_committing)
        return;
    m_commitScheduled = true;
    QMetaObject::invokeMethod(this, &StoreThread::commitNext, Qt::QueuedConnection);
}

void StoreThread::commitNext()
{
    m_commitScheduled = false;
    if (m_committing || m_window.empty())
        return;
    m_committing = true;
    auto window = std::make_shared<Window>(std::exchange(m_window, {}));
    m_thread.run<std::optional<StoreError>>(
        this, [this, window] { return commitWindow(*window); },
        [this, window](const std::optional<StoreError> &failed) {
            m_committing = false;
            ++m_commits;
            answer(*window, failed ? &*failed : nullptr);
            scheduleCommit();
        });
}

std::optional<StoreError> StoreThread::commitWindow(Window &window)
{
    // Each try reruns every job of the window from the start (their answers are replaced), so a
    // job is a function of the database alone. Between tries, 50 then 100 ms: long enough for a
    // restarted PostgreSQL to take connections again, short enough for a send's deadline.
    constexpr int kTries = 3;
    for (int attempt = 1;; ++attempt) {
        std::optional<StoreError> failed = tryWindow(window);
        if (!failed || !m_connection->takeRetryableFailure() || attempt == kTries)
            return failed;
        Metrics::instance().countSqlRetry();
        qCInfo(lcStorage) << "running a commit window again after:" << failed->message;
        QThread::msleep(50ul * attempt);
    }
}

std::optional<StoreError> StoreThread::tryWindow(Window &window)
{
    m_connection->takeRetryableFailure(); // only this try's failures count
    // Another gateway sharing the file waited for our lock last time (we had to wait for theirs):
    // a pause longer than SqlRetry's polling step lets it in before our next window, or its
    // windows would wait through several of ours.
    if (m_yieldBeforeBegin)
        QThread::usleep(kYieldUs);
    QElapsedTimer elapsed;
    elapsed.start();
    SqlTransaction transaction(*m_connection);
    const qint64 beganNs = elapsed.nsecsElapsed();
    m_yieldBeforeBegin = beganNs > static_cast<qint64>(kYieldUs) * 1000 / 2;
    if (!transaction.begun()) {
        qCWarning(lcStorage) << "cannot begin a commit window:" << transaction.error();
        return StoreError{transaction.error()};
    }
    for (auto it = window.statuses.begin(); it != window.statuses.end(); ++it) {
        StatusChange &change = **it;
        SqlTransaction step(*m_connection);
        const StoreResult<void> set = change.mode || change.text
                                          ? m_accounts->setStatus(it.key(), change.mode, change.text)
                                          : StoreResult<void>();
        change.committed = set ? m_accounts->status(it.key()) : StoreResult<StoredStatus>(set.error());
        if (*change.committed)
            step.commit();
    }
    for (PendingWrite &write : window.writes) {
        SqlTransaction step(*m_connection);
        if (step.begun() && write.run(m_accounts.get(), m_messages.get()))
            step.commit();
    }
    // Durable when this returns true (synchronous=FULL; synchronous_commit): only then does
    // anyone hear of it.
    const qint64 writtenNs = elapsed.nsecsElapsed();
    const bool committed = transaction.commit();
    noteSlowWindow(window, beganNs, writtenNs - beganNs, elapsed.nsecsElapsed() - writtenNs);
    Metrics::instance().observeSqlJob(Metrics::SqlJob::CommitWindow, double(elapsed.nsecsElapsed()) / 1e9);
    if (!committed) {
        qCWarning(lcStorage) << "cannot commit a window of" << window.writes.size() + window.statusWaiters.size()
                             << "writes:" << transaction.error();
        return StoreError{transaction.error()};
    }
    return std::nullopt;
}

void StoreThread::noteSlowWindow(const Window &window, qint64 lockWaitNs, qint64 writeNs, qint64 commitNs)
{
    // A slow disk or a long lock shows in the log, at most every 10 s (on the thread).
    constexpr qint64 kSlowMs = 100;
    const qint64 totalMs = (lockWaitNs + writeNs + commitNs) / 1000000;
    if (totalMs < kSlowMs || (m_lastSlowLog.isValid() && m_lastSlowLog.elapsed() < 10000))
        return;
    m_lastSlowLog.start();
    qCWarning(lcStorage).nospace() << "a commit window of " << window.writes.size() + window.statusWaiters.size()
                                   << " writes took " << totalMs << " ms (waiting for the lock " << lockWaitNs / 1000000
                                   << " ms, writing " << writeNs / 1000000 << " ms, committing " << commitNs / 1000000
                                   << " ms)";
}

void StoreThread::answer(Window &window, const StoreError *failed)
{
    for (const StatusWaiter &waiter : window.statusWaiters) {
        if (waiter.context)
            deliver(waiter.done, failed, window.statuses.value(waiter.user)->committed);
    }
    for (PendingWrite &write : window.writes)
        write.finish(failed);
}

} // namespace presently
