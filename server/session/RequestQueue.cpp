#include "session/RequestQueue.h"

#include <QObject>

namespace presently {

RequestQueue::RequestQueue(QObject *context, const quint64 *loopTurn)
    : m_context(context)
    , m_loopTurn(loopTurn)
{}

void RequestQueue::endAsync()
{
    if (m_busy > 0 && --m_busy == 0)
        drain();
}

void RequestQueue::close()
{
    m_closed = true;
    m_queue.clear();
}

void RequestQueue::drain()
{
    if (m_draining)
        return;
    m_draining = true;
    startTurnIfNew();
    while (m_busy == 0 && !m_queue.empty() && !m_closed) {
        if (m_turnBudget == 0) {
            yieldTurn();
            break;
        }
        --m_turnBudget;
        const std::function<void()> task = std::move(m_queue.front());
        m_queue.pop_front();
        task();
    }
    m_draining = false;
}

void RequestQueue::startTurnIfNew()
{
    if (*m_loopTurn != m_turn) {
        m_turn = *m_loopTurn;
        m_turnBudget = kRequestsPerTurn;
    }
}

void RequestQueue::yieldTurn()
{
    if (m_turnYielded)
        return;
    m_turnYielded = true;
    // A posted call runs after what the loop has ready now (Qt delivers events posted while
    // delivering on its next round).
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            m_turnYielded = false;
            m_turnBudget = kRequestsPerTurn;
            drain();
        },
        Qt::QueuedConnection);
}

} // namespace presently
