#include "base/Clock.h"

#include <QDateTime>
#include <QElapsedTimer>

namespace presently {

qint64 Clock::nowMs()
{
    static const qint64 startWall = QDateTime::currentMSecsSinceEpoch();
    static const QElapsedTimer monotonic = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return startWall + monotonic.elapsed();
}

} // namespace presently
