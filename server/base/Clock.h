#pragma once

#include <QtGlobal>

namespace presently {

// Wall-clock milliseconds that never jump: the wall time at start plus a monotonic count.
class Clock {
public:
    static qint64 nowMs();
};

} // namespace presently
