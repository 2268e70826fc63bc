#pragma once

#include <QFuture>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <atomic>
#include <functional>
#include <memory>

namespace presently {

// Password hashing and checking off the event loop, and bounded: an Argon2id job takes about
// 85 ms of CPU and 64 MiB, so a flood of sign-ins must neither queue without end nor take every
// core. A job whose connection is gone before it starts is skipped.
class HashingPool {
public:
    // `threads` run jobs; at most `maxWaiting` more wait for one.
    HashingPool(int threads, int maxWaiting);
    HashingPool(const HashingPool &) = delete;
    HashingPool &operator=(const HashingPool &) = delete;

    // Half the cores (at least one): the event loop keeps the rest.
    static HashingPool &shared();

    // Runs `work` on a pool thread, then `done` with its result on `context`'s thread (not at all
    // if `context` is gone). When `wanted` is false by the time the job starts, `work` is skipped
    // and `done` gets R{}. Returns false, running nothing, when the queue is full.
    template <typename R>
    bool run(QObject *context, std::shared_ptr<std::atomic<bool>> wanted, std::function<R()> work,
             std::function<void(R)> done)
    {
        if (m_waiting.fetch_add(1) >= m_maxWaiting + m_threads) {
            m_waiting.fetch_sub(1);
            return false;
        }
        QtConcurrent::run(&m_pool, [this, wanted = std::move(wanted), work = std::move(work)]() -> R {
            struct Leaving { // counted out however the job ends
                std::atomic<int> &waiting;
                ~Leaving() { waiting.fetch_sub(1); }
            } leaving{m_waiting};
            if (!wanted->load())
                return R{};
            return work();
        }).then(context, std::move(done));
        return true;
    }

    int pending() const { return m_waiting.load(); }

private:
    QThreadPool m_pool;
    int m_threads;
    int m_maxWaiting;
    std::atomic<int> m_waiting{0}; // submitted, not finished
};

} // namespace presently
