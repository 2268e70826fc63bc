#include "core/SendPacer.h"

#include <algorithm>
#include <cmath>

namespace presently {

SendPacer::SendPacer(Writer writer, QObject *parent)
    : QObject(parent)
    , m_writer(std::move(writer))
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &SendPacer::drain);
    m_clock.start();
    setRate(20, 40); // the protocol's defaults until a welcome says otherwise
}

void SendPacer::setRate(int perSecond, int burst)
{
    // 90 % of the rate and half the burst. The server's bucket stops refilling while full, so
    // when it reads our burst late (a busy server, a slow network) it has lost that refill; the
    // half we keep back covers half a burst's worth of delay (1 s with the defaults).
    m_capacity = std::max(1, burst / 2);
    m_perMs = std::max(1, perSecond) * 0.9 / 1000.0;
    m_tokens = m_capacity;
    m_lastMs = m_clock.elapsed();
}

void SendPacer::refill()
{
    const qint64 now = m_clock.elapsed();
    m_tokens = std::min(m_capacity, m_tokens + (now - m_lastMs) * m_perMs);
    m_lastMs = now;
}

void SendPacer::send(const QByteArray &frame)
{
    m_queue.enqueue(frame);
    drain();
}

void SendPacer::drain()
{
    refill();
    while (!m_queue.isEmpty() && m_tokens >= 1.0) {
        m_tokens -= 1.0;
        m_writer(m_queue.dequeue());
    }
    if (!m_queue.isEmpty() && !m_timer.isActive())
        m_timer.start(static_cast<int>(std::ceil((1.0 - m_tokens) / m_perMs)));
}

void SendPacer::clear()
{
    m_queue.clear();
    m_timer.stop();
}

} // namespace presently
