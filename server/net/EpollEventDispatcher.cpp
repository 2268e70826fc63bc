#include "net/EpollEventDispatcher.h"

#include "base/LoopProbe.h"

#include <QCoreApplication>
#include <QPointer>
#include <QSocketNotifier>
#include <QTimerEvent>
#include <algorithm>
#include <chrono>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <utility>

namespace presently {

namespace {
// epoll's data is a descriptor (tagged, for notifiers and the wake-up) or a DirectWatch pointer
// (user-space pointers never have the top bit set).
constexpr std::uint64_t kFdTag = std::uint64_t(1) << 63;

std::uint64_t taggedFd(int fd)
{
    return kFdTag | static_cast<std::uint32_t>(fd);
}
} // namespace

EpollEventDispatcher *EpollEventDispatcher::current()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

void EpollEventDispatcher::updateDirectWatch(int fd, DirectWatch *watch, std::uint32_t before, std::uint32_t after)
{
    if (before == after)
        return;
    epoll_event ev{};
    ev.events = ((after & ReadInterest) ? EPOLLIN : 0u) | ((after & WriteInterest) ? EPOLLOUT : 0u);
    ev.data.ptr = watch;
    if (after == NoInterest) {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        if (m_dispatching)
            m_stoppedThisPass.push_back(watch);
    } else {
        epoll_ctl(m_epoll, before == NoInterest ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
    }
}

void EpollEventDispatcher::setBatchWindow(int microseconds)
{
    m_batchWindowUs = std::max(0, microseconds);
}

void EpollEventDispatcher::noteInteractive()
{
    m_interactiveUntilMs = nowMs() + kInteractiveHoldMs;
}

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_urgentEpoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = taggedFd(m_wake);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev);
    epoll_ctl(m_urgentEpoll, EPOLL_CTL_ADD, m_wake, &ev);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    close(m_wake);
    close(m_urgentEpoll);
    close(m_epoll);
}

qint64 EpollEventDispatcher::nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void EpollEventDispatcher::updateWatch(int fd)
{
    const auto it = m_watches.find(fd);
    if (it == m_watches.end())
        return;
    std::uint32_t events = 0;
    if (it->read)
        events |= EPOLLIN;
    if (it->write && it->writeArmed)
        events |= EPOLLOUT;
    if (it->exception)
        events |= EPOLLPRI;
    if (events == it->mask) {
        if (events == 0 && !it->read && !it->write && !it->exception)
            m_watches.erase(it);
        return; // nothing changes in the kernel: spare the syscall
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = taggedFd(fd);
    const int op = events == 0 ? EPOLL_CTL_DEL : it->mask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    epoll_ctl(m_epoll, op, fd, &ev);
    epoll_ctl(m_urgentEpoll, op, fd, &ev);
    it->mask = events;
    if (events == 0 && !it->read && !it->write && !it->exception)
        m_watches.erase(it);
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = static_cast<int>(notifier->socket());
    Watch &w = m_watches[fd];
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        w.read = notifier;
        break;
    case QSocketNotifier::Write:
        w.write = notifier;
        // A socket is nearly always writable: Qt enables its write notifier for each write and
        // disables it once flushed. Deliver the first notification without asking the kernel
        // (two epoll_ctl calls per write saved); only a socket that stays unwritable (its
        // notifier is still wanted after that delivery, or again during it) is watched for real.
        w.writeArmed = fd == m_deliveringOptimisticWrite;
        if (!w.writeArmed)
            m_optimisticWrites.append(notifier);
        break;
    case QSocketNotifier::Exception:
        w.exception = notifier;
        break;
    }
    updateWatch(fd);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = static_cast<int>(notifier->socket());
    const auto it = m_watches.find(fd);
    if (it == m_watches.end())
        return;
    if (it->read == notifier)
        it->read = nullptr;
    if (it->write == notifier) {
        it->write = nullptr;
        it->writeArmed = false;
    }
    if (it->exception == notifier)
        it->exception = nullptr;
    updateWatch(fd);
}

bool EpollEventDispatcher::deliverOptimisticWrites()
{
    bool delivered = false;
    const QList<QPointer<QSocketNotifier>> pending = std::exchange(m_optimisticWrites, {});
    for (const QPointer<QSocketNotifier> &notifier : pending) {
        if (!notifier || !notifier->isEnabled())
            continue;
        const int fd = static_cast<int>(notifier->socket());
        const auto it = m_watches.constFind(fd);
        if (it == m_watches.cend() || it->write != notifier || it->writeArmed)
            continue;
        m_deliveringOptimisticWrite = fd;
        QEvent activate(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &activate);
        m_deliveringOptimisticWrite = -1;
        delivered = true;
        const auto after = m_watches.find(fd);
        if (notifier && after != m_watches.end() && after->write == notifier && !after->writeArmed) {
            after->writeArmed = true; // still wants to write: the socket is full, wait for it
            updateWatch(fd);
        }
    }
    return delivered;
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object)
{
    const qint64 due = nowMs() + interval;
    m_timers.insert(timerId, Timer{object, interval, timerType, due});
    m_due.emplace(due, timerId);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    // Its entry in m_due goes stale and is skipped when reached.
    return m_timers.remove(timerId) > 0;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            list.append(TimerInfo(it.key(), static_cast<int>(it->intervalMs), it->type));
    }
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    return static_cast<int>(std::max<qint64>(0, it->dueMs - nowMs()));
}

void EpollEventDispatcher::wakeUp()
{
    const std::uint64_t one = 1;
    m_wakeWritten.store(true);
    [[maybe_unused]] const ssize_t n = write(m_wake, &one, sizeof one);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted = true;
    wakeUp();
}

int EpollEventDispatcher::msUntilNextTimer() const
{
    for (const auto &[due, id] : m_due) {
        const auto it = m_timers.constFind(id);
        if (it != m_timers.cend() && it->dueMs == due)
            return static_cast<int>(std::max<qint64>(0, due - nowMs()));
    }
    return -1;
}

bool EpollEventDispatcher::fireDueTimers()
{
    const qint64 now = nowMs();
    // Take what is due now, then reschedule: a timer due again at once (interval 0) waits for
    // the next pass instead of spinning here.
    std::vector<int> due;
    while (!m_due.empty() && m_due.begin()->first <= now) {
        const auto [when, id] = *m_due.begin();
        m_due.erase(m_due.begin());
        const auto it = m_timers.find(id);
        if (it == m_timers.end() || it->dueMs != when)
            continue; // stopped or restarted since: a stale entry
        due.push_back(id);
    }
    for (int id : due) {
        const auto it = m_timers.find(id);
        it->dueMs = std::max(now, it->dueMs + it->intervalMs);
        m_due.emplace(it->dueMs, id);
    }
    bool fired = false;
    for (int id : due) {
        const auto it = m_timers.constFind(id);
        if (it == m_timers.cend())
            continue; // stopped by an earlier timer's handler
        QTimerEvent event(id);
        QCoreApplication::sendEvent(it->object, &event);
        fired = true;
    }
    return fired;
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted = false;
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();
    if (m_interrupted)
        return false;

    int timeout = 0;
    if ((flags & QEventLoop::WaitForMoreEvents) && m_optimisticWrites.isEmpty())
        timeout = msUntilNextTimer(); // -1: nothing scheduled, wait for sockets or a wake-up
    if (timeout != 0)
        Q_EMIT aboutToBlock();
    if (timeout != 0 && m_servedSessions && m_batchWindowUs > 0 && nowMs() >= m_interactiveUntilMs) {
        // Batch: let more sessions' frames arrive before reading any, so that one wake-up and
        // one epoll_wait serve several (each costs about what a frame's own work does here).
        // Notifiers (Redis, the listener), wake-ups and timers end the wait at once. A wake-up
        // left from before (posted events are delivered already) would end it for nothing.
        if (m_wakeWritten.exchange(false)) {
            std::uint64_t count = 0;
            if (read(m_wake, &count, sizeof count) > 0)
                QCoreApplication::sendPostedEvents(); // posted since the pass delivered them
            if (m_interrupted)
                return false; // that wake-up was interrupt()'s
        }
        const qint64 windowUs = timeout < 0 ? m_batchWindowUs : std::min<qint64>(m_batchWindowUs, timeout * 1000LL);
        pollfd urgent{m_urgentEpoll, POLLIN, 0};
        const timespec window{static_cast<time_t>(windowUs / 1000000), static_cast<long>(windowUs % 1000000 * 1000)};
        LoopProbe::aboutToBlock();
        ppoll(&urgent, 1, &window, nullptr);
        LoopProbe::woke();
        timeout = msUntilNextTimer();
    }
    m_servedSessions = false;

    epoll_event events[512];
    LoopProbe::aboutToBlock();
    const int n = epoll_wait(m_epoll, events, 512, timeout);
    LoopProbe::woke();
    Q_EMIT awake();
    bool handled = false;

    // Collect first, dispatch after: a handler may unregister or delete other notifiers, so each
    // is looked up again by descriptor when its turn comes (a descriptor closed and reused
    // meanwhile gets at worst a spurious activation, which sockets expect).
    struct Ready {
        std::uint64_t data;
        std::uint32_t events;
    };
    Ready ready[512];
    int readyCount = 0;
    for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == taggedFd(m_wake)) {
            std::uint64_t count = 0;
            [[maybe_unused]] const ssize_t r = read(m_wake, &count, sizeof count);
            continue;
        }
        ready[readyCount++] = {events[i].data.u64, events[i].events};
    }
    const auto activate = [&handled](QSocketNotifier *notifier) {
        if (!notifier || !notifier->isEnabled())
            return;
        QEvent event(QEvent::SockAct);
        const LoopProbe::Scope probe(LoopProbe::Part::Notifiers);
        QCoreApplication::sendEvent(notifier, &event);
        handled = true;
    };
    m_dispatching = true;
    m_stoppedThisPass.clear();
    for (int i = 0; i < readyCount; ++i) {
        const std::uint32_t e = ready[i].events;
        const bool failed = e & (EPOLLERR | EPOLLHUP);
        if (!(ready[i].data & kFdTag)) {
            auto *watch = static_cast<DirectWatch *>(reinterpret_cast<void *>(static_cast<quintptr>(ready[i].data)));
            if (!m_stoppedThisPass.empty() &&
                std::find(m_stoppedThisPass.cbegin(), m_stoppedThisPass.cend(), watch) != m_stoppedThisPass.cend())
                continue;
            {
                const LoopProbe::Scope probe(LoopProbe::Part::Sessions);
                watch->socketReady((e & EPOLLIN) || failed, (e & EPOLLOUT) || failed);
            }
            handled = true;
            m_servedSessions = true;
            continue;
        }
        const int fd = static_cast<int>(ready[i].data & 0xFFFFFFFFu);
        if (e & EPOLLIN || failed) {
            const auto it = m_watches.constFind(fd);
            if (it != m_watches.cend())
                activate(it->read);
        }
        if (e & EPOLLOUT || failed) {
            const auto it = m_watches.constFind(fd);
            if (it != m_watches.cend())
                activate(it->write);
        }
        if (e & EPOLLPRI) {
            const auto it = m_watches.constFind(fd);
            if (it != m_watches.cend())
                activate(it->exception);
        }
    }
    m_dispatching = false;
    m_stoppedThisPass.clear();
    handled = deliverOptimisticWrites() || handled;
    if (!(flags & QEventLoop::X11ExcludeTimers)) {
        const LoopProbe::Scope probe(LoopProbe::Part::Timers);
        handled = fireDueTimers() || handled;
    }
    {
        const LoopProbe::Scope probe(LoopProbe::Part::PostedEvents);
        QCoreApplication::sendPostedEvents();
    }
    return handled || n > 0;
}

} // namespace presently
