#include "EpollLoop.h"

#include <chrono>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

namespace presently::bench {

EpollLoop::EpollLoop()
    : m_epoll(epoll_create1(EPOLL_CLOEXEC))
{}

EpollLoop::~EpollLoop()
{
    close(m_epoll);
}

std::int64_t EpollLoop::nowMs()
{
    return nowUs() / 1000;
}

std::int64_t EpollLoop::nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::int64_t EpollLoop::wallUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool EpollLoop::add(int fd, std::uint32_t events, Handler handler)
{
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
        return false;
    m_handlers[fd] = std::move(handler);
    return true;
}

void EpollLoop::modify(int fd, std::uint32_t events)
{
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
}

void EpollLoop::remove(int fd)
{
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    m_handlers.erase(fd);
}

void EpollLoop::at(std::int64_t atMs, std::function<void()> task)
{
    m_timers.emplace(atMs, std::move(task));
}

void EpollLoop::runUntil(std::int64_t deadlineMs, const std::function<bool()> &done)
{
    std::vector<epoll_event> events(1024);
    while (nowMs() < deadlineMs && !(done && done())) {
        std::int64_t wait = deadlineMs - nowMs();
        if (!m_timers.empty())
            wait = std::min(wait, std::max<std::int64_t>(0, m_timers.begin()->first - nowMs()));
        const int n = epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(std::min<std::int64_t>(wait, 100)));
        for (int i = 0; i < n; ++i) {
            const auto it = m_handlers.find(events[i].data.fd);
            if (it != m_handlers.end()) {
                Handler handler = it->second; // may remove itself
                handler(events[i].events);
            }
        }
        const std::int64_t now = nowMs();
        while (!m_timers.empty() && m_timers.begin()->first <= now) {
            auto task = std::move(m_timers.begin()->second);
            m_timers.erase(m_timers.begin());
            task();
        }
    }
}

} // namespace presently::bench
