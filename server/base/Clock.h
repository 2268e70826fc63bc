#pragma once

#include <QtGlobal>

namespace presently {

// Wall-clock milliseconds that never jump: the wall time at start plus a monotonic count.
class Clock {
public:
    static qint64 nowMs();
    // A monotonic count of nanoseconds (from an arbitrary start), for measuring durations.
    static qint64 monotonicNs();
};

} // namespace presently
