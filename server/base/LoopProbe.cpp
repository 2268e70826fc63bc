#include "base/LoopProbe.h"

#ifdef PRESENTLY_LOOP_PROBE

#include <array>
#include <chrono>
#include <cstdio>
#include <iterator>

namespace presently::LoopProbe {

namespace {

struct Total {
    qint64 ns = 0;
    qint64 count = 0;
};

// One event loop per gateway process; the probe is for that loop only.
struct State {
    std::array<Total, static_cast<int>(Part::Count)> parts;
    Total awake;
    Total blocked;
    qint64 wokeNs = 0;
    qint64 blockedSinceNs = 0;
    qint64 reportedNs = 0;
};

State &state()
{
    static State s;
    return s;
}

void report(State &s, qint64 now)
{
    static constexpr const char *names[] = {"receive", "send", "sessions", "notifiers", "timers", "posted"};
    static_assert(std::size(names) == static_cast<size_t>(Part::Count), "a name for each part");
    const double seconds = double(now - s.reportedNs) / 1e9;
    std::fprintf(stderr, "loop probe, %.1f s: awake %.1f ms, blocked %.1f ms in %lld calls", seconds,
                 double(s.awake.ns) / 1e6, double(s.blocked.ns) / 1e6, static_cast<long long>(s.blocked.count));
    for (int i = 0; i < static_cast<int>(Part::Count); ++i) {
        const Total &t = s.parts[size_t(i)];
        std::fprintf(stderr, "; %s %.1f ms in %lld (%.2f us each)", names[i], double(t.ns) / 1e6,
                     static_cast<long long>(t.count), t.count ? double(t.ns) / 1e3 / double(t.count) : 0.0);
    }
    std::fprintf(stderr, "\n");
    s.parts = {};
    s.awake = {};
    s.blocked = {};
    s.reportedNs = now;
}

} // namespace

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void add(Part part, qint64 ns)
{
    Total &t = state().parts[size_t(part)];
    t.ns += ns;
    ++t.count;
}

void aboutToBlock()
{
    State &s = state();
    const qint64 now = nowNs();
    if (s.wokeNs) {
        s.awake.ns += now - s.wokeNs;
        ++s.awake.count;
    }
    s.blockedSinceNs = now;
}

void woke()
{
    State &s = state();
    const qint64 now = nowNs();
    s.wokeNs = now;
    if (s.blockedSinceNs) {
        s.blocked.ns += now - s.blockedSinceNs;
        ++s.blocked.count;
    }
    if (!s.reportedNs)
        s.reportedNs = now;
    else if (now - s.reportedNs >= 5000000000LL)
        report(s, now);
}

} // namespace presently::LoopProbe

#endif
