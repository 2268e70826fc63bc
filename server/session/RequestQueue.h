#pragma once

#include <QtGlobal>
#include <deque>
#include <functional>
#include <utility>

class QObject;

namespace presently {

// One connection's requests, run strictly in arrival order: while one waits for the store or a
// password hash (beginAsync .. endAsync), later ones queue behind it. And fairly: at most
// kRequestsPerTurn run per turn of the event loop before the rest wait for the next, so that one
// client's burst (each send a durable write) cannot hold up timers and everyone else's frames.
class RequestQueue {
public:
    // `loopTurn` counts the event loop's wake-ups; `context` receives the posted call that
    // resumes a queue that gave up its turn.
    RequestQueue(QObject *context, const quint64 *loopTurn);

    // Runs `task` at once when nothing waits before it (most requests, every heartbeat: no
    // std::function is made), else queues it.
    template <typename Task> void run(Task &&task)
    {
        if (m_closed)
            return;
        startTurnIfNew();
        if (m_busy || m_draining || !m_queue.empty() || m_turnBudget == 0) {
            m_queue.emplace_back(std::forward<Task>(task));
            if (m_turnBudget == 0)
                yieldTurn();
            return;
        }
        --m_turnBudget;
        m_draining = true;
        task();
        m_draining = false;
        drain(); // what running it queued
    }

    // The running request waits for something: hold the rest until endAsync(). They nest: a step
    // that starts the next one before it ends holds the queue throughout.
    void beginAsync() { ++m_busy; }
    void endAsync();
    // Nothing more runs: the connection is closing.
    void close();

    static constexpr int kRequestsPerTurn = 16;

private:
    void drain();
    void startTurnIfNew();
    void yieldTurn();

    QObject *m_context;
    const quint64 *m_loopTurn;
    std::deque<std::function<void()>> m_queue;
    int m_busy = 0; // waits begun and not ended
    bool m_draining = false;
    bool m_closed = false;
    int m_turnBudget = kRequestsPerTurn;
    quint64 m_turn = 0; // the loop turn the budget is for
    bool m_turnYielded = false;
};

} // namespace presently
