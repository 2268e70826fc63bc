#pragma once

#include <QtGlobal>

namespace presently {

// Where the gateway's event loop spends its time, by wall clock, for profiling on machines where
// perf records nothing. Built with -DPRESENTLY_LOOP_PROBE=ON, the gateway prints every 5 s how
// long it was awake and blocked and, within that, in socket reads, socket writes, session
// handling, notifiers (Redis, the listener), timers and posted events. Off (the default), every
// part compiles to nothing.
namespace LoopProbe {

enum class Part { Receive, Send, Sessions, Notifiers, Timers, PostedEvents, Count };

#ifdef PRESENTLY_LOOP_PROBE
qint64 nowNs();
void add(Part part, qint64 ns);
// Around each call that may block (epoll_wait, ppoll): awake is the time between them.
void aboutToBlock();
void woke();

class Scope {
public:
    explicit Scope(Part part)
        : m_part(part)
        , m_startNs(nowNs())
    {}
    ~Scope() { add(m_part, nowNs() - m_startNs); }
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;

private:
    Part m_part;
    qint64 m_startNs;
};
#else
inline void aboutToBlock() {}
inline void woke() {}

class Scope {
public:
    explicit Scope(Part) {}
};
#endif

} // namespace LoopProbe

} // namespace presently
