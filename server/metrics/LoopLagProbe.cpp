#include "metrics/LoopLagProbe.h"

#include "metrics/Metrics.h"

namespace presently {

namespace {
constexpr int kIntervalMs = 100;
}

LoopLagProbe::LoopLagProbe(QObject *parent)
    : QObject(parent)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(kIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &LoopLagProbe::fired);
    m_timer.start();
    m_since.start();
}

void LoopLagProbe::fired()
{
    const qint64 lateNs = m_since.nsecsElapsed() - qint64(kIntervalMs) * 1000000;
    m_since.start();
    Metrics::instance().observeLoopLag(double(qMax<qint64>(0, lateNs)) / 1e9);
}

} // namespace presently
