#pragma once

#include "accounts/AccountStore.h"
#include "messages/MessageStore.h"
#include "metrics/Metrics.h"
#include "protocol/StoredStatus.h"
#include "sql/SqlConnection.h"
#include "sql/SqlThread.h"
#include "sql/StoreResult.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace presently {

// The account and message stores on one connection of their own, on a thread of their own: no
// statement, lock wait or fsync ever holds up the event loop that calls it. A gateway has two:
// one for reads (never behind a commit) and one for writes. Writes are gathered into commit
// windows: everything asked for while the previous window commits goes into the next one, one
// transaction and one fsync for all of it, each job in a savepoint of its own (a failing job undoes
// only itself). A user's status changes in one window are merged into one row write. Answers run
// on the caller's thread, in the order asked, and only after their commit.
class StoreThread : public QObject {
    Q_OBJECT
public:
    template <typename Result> using Job = std::function<Result(AccountStore *, MessageStore *)>;

    explicit StoreThread(const QString &name, QObject *parent = nullptr);
    // What is gathered commits, then the thread ends; answers not given by then are dropped.
    ~StoreThread() override;

    // Opens the connection (on the thread) and brings both stores' schemas up to date. A thread
    // only for reads refuses any write (and leaves the schema to the writer, opened first).
    enum class Use { Reads, Writes };
    bool open(const DatabaseAddress &address, Use use, QString *error);

    // Runs `job` on the thread at once, outside any commit window; then `done` here, unless
    // `context` is gone. For reads.
    template <typename Result> void read(QObject *context, Job<Result> job, std::function<void(const Result &)> done)
    {
        m_thread.run<Result>(
            context,
            [job = std::move(job), accounts = m_accounts.get(), messages = m_messages.get()] {
                QElapsedTimer took;
                took.start();
                Result result = job(accounts, messages);
                Metrics::instance().observeSqlJob(Metrics::SqlJob::Read, double(took.nsecsElapsed()) / 1e9);
                return result;
            },
            std::move(done));
    }

    // Runs `job` in the next commit window; `done` after that window's commit, with the job's
    // answer, or with the commit's error when the window could not commit.
    template <typename T>
    void write(QObject *context, Job<StoreResult<T>> job, std::function<void(const StoreResult<T> &)> done)
    {
        auto result = std::make_shared<std::optional<StoreResult<T>>>();
        PendingWrite write;
        write.run = [job = std::move(job), result](AccountStore *accounts, MessageStore *messages) {
            result->emplace(job(accounts, messages));
            return (*result)->ok();
        };
        write.finish = [context = QPointer<QObject>(context), result,
                        done = std::move(done)](const StoreError *failed) {
            if (context)
                deliver(done, failed, *result);
        };
        m_window.writes.push_back(std::move(write));
        scheduleCommit();
    }

    // Sets `user`'s mode and/or text in the next commit window (merged with that user's other
    // changes there, later ones winning), then answers with the status as committed.
    void writeStatus(QObject *context, const QString &user, std::optional<Mode> mode,
                     const std::optional<QString> &text, std::function<void(const StoreResult<StoredStatus> &)> done);

    // Commit windows so far and the writes they held: for tests and the bench.
    quint64 commits() const { return m_commits; }

private:
    struct PendingWrite {
        std::function<bool(AccountStore *, MessageStore *)> run; // on the thread; true: keep its writes
        std::function<void(const StoreError *failed)> finish;    // here
    };
    struct StatusChange {
        std::optional<Mode> mode;
        std::optional<QString> text;
        std::optional<StoreResult<StoredStatus>> committed; // set on the thread
    };
    struct StatusWaiter {
        QPointer<QObject> context;
        QString user;
        std::function<void(const StoreResult<StoredStatus> &)> done;
    };
    struct Window {
        QHash<QString, std::shared_ptr<StatusChange>> statuses;
        std::vector<StatusWaiter> statusWaiters;
        std::vector<PendingWrite> writes;
        bool empty() const { return writes.empty() && statusWaiters.empty(); }
    };

    // Answers one job: the window's failure, else its result (a job never run failed too).
    template <typename T>
    static void deliver(const std::function<void(const StoreResult<T> &)> &done, const StoreError *failed,
                        const std::optional<StoreResult<T>> &result)
    {
        if (failed)
            done(StoreResult<T>(*failed));
        else if (!result)
            done(StoreResult<T>(StoreError{QStringLiteral("not run")}));
        else
            done(*result);
    }

    void scheduleCommit();
    void commitNext();
    // On the thread: the whole window in one transaction; the commit's error, if any. A window
    // that failed in a way running it again may cure (PostgreSQL: a deadlock, a lost connection)
    // is run again, a few times.
    std::optional<StoreError> commitWindow(Window &window);
    std::optional<StoreError> tryWindow(Window &window);
    void noteSlowWindow(const Window &window, qint64 lockWaitNs, qint64 writeNs, qint64 commitNs);
    static void answer(Window &window, const StoreError *failed);

    SqlThread m_thread;
    std::unique_ptr<SqlConnection> m_connection; // these three live on m_thread
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<MessageStore> m_messages;
    QString m_name;
    Window m_window; // being gathered
    bool m_commitScheduled = false;
    bool m_committing = false;
    quint64 m_commits = 0;
    static constexpr unsigned long kYieldUs = 1000;
    bool m_yieldBeforeBegin = false; // on the thread
    QElapsedTimer m_lastSlowLog;     // on the thread
};

} // namespace presently
