#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

namespace presently::bench {

// A minimal event loop on epoll: its cost follows the sockets that are ready, not the number
// registered (which is why the load tool does not use Qt's loop). Timers are kept in a map.
class EpollLoop {
public:
    using Handler = std::function<void(std::uint32_t events)>;

    EpollLoop();
    ~EpollLoop();
    EpollLoop(const EpollLoop &) = delete;
    EpollLoop &operator=(const EpollLoop &) = delete;

    bool add(int fd, std::uint32_t events, Handler handler);
    void modify(int fd, std::uint32_t events);
    void remove(int fd);

    // Runs `task` at (or after) `atMs` on the monotonic clock.
    void at(std::int64_t atMs, std::function<void()> task);
    void runUntil(std::int64_t deadlineMs, const std::function<bool()> &done = {});

    static std::int64_t nowMs();
    static std::int64_t nowUs();
    // Wall clock (CLOCK_REALTIME) in µs: the clock of the kernel's receive stamps, and shared by
    // the load processes of a run for times carried inside frames.
    static std::int64_t wallUs();

private:
    int m_epoll;
    std::unordered_map<int, Handler> m_handlers;
    std::multimap<std::int64_t, std::function<void()>> m_timers;
};

} // namespace presently::bench
