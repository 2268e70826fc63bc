#include "core/IdleMonitor.h"

namespace presently {

IdleMonitor::IdleMonitor(std::unique_ptr<IdleSource> source, QObject *parent)
    : QObject(parent)
    , m_source(std::move(source))
{
    m_poll.setInterval(1000);
    connect(&m_poll, &QTimer::timeout, this, &IdleMonitor::check);
    m_poll.start();
}

void IdleMonitor::check()
{
    const std::optional<qint64> idle = m_source->idleMs();
    const bool isIdle = m_source->screenLocked() || (idle && *idle >= m_thresholdMs);
    const Activity now = isIdle ? Activity::Idle : Activity::Active;
    if (now == m_activity)
        return;
    m_activity = now;
    Q_EMIT activityChanged(now);
}

} // namespace presently
