#include "base/Clock.h"

#include <QDateTime>
#include <QElapsedTimer>

namespace presently {

namespace {
// Taken together at the first use of either: the wall time then, and a timer from then.
struct Start {
    Start() { monotonic.start(); }
    const qint64 wallMs = QDateTime::currentMSecsSinceEpoch();
    QElapsedTimer monotonic;
};

const Start &start()
{
    static const Start s;
    return s;
}
} // namespace

qint64 Clock::nowMs()
{
    return start().wallMs + start().monotonic.elapsed();
}

qint64 Clock::monotonicNs()
{
    return start().monotonic.nsecsElapsed();
}

} // namespace presently
