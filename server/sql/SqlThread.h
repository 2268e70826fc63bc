#pragma once

#include <QObject>
#include <QPointer>
#include <QThread>
#include <functional>
#include <memory>

namespace presently {

// A thread of its own for SQL, so that no statement, lock wait or fsync holds up the event loop:
// jobs run there one after another in the order given, and each job's continuation runs back on
// the loop's thread, in the same order. QtSql connections belong to the thread that made them:
// the connections jobs use are made (and destroyed) by jobs too (runAndWait).
class SqlThread : public QObject {
    Q_OBJECT
public:
    explicit SqlThread(QObject *parent = nullptr);
    // Finishes the jobs posted so far, then stops the thread.
    ~SqlThread() override;

    // Runs `job` on the SQL thread, then `done(result)` on this object's thread, unless `context`
    // is gone by then.
    template <typename Result>
    void run(QObject *context, std::function<Result()> job, std::function<void(const Result &)> done)
    {
        post([this, context = QPointer<QObject>(context), job = std::move(job), done = std::move(done)] {
            auto result = std::make_shared<Result>(job());
            QMetaObject::invokeMethod(
                this,
                [context, result, done] {
                    if (context)
                        done(*result);
                },
                Qt::QueuedConnection);
        });
    }
    // Runs `job` on the SQL thread and waits for it: for setting up and tearing down connections.
    void runAndWait(const std::function<void()> &job);

private:
    void post(std::function<void()> job);

    QThread m_thread;
    QObject *m_worker; // lives in m_thread
};

} // namespace presently
