#pragma once

#include "net/DirectSocketWatch.h"

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QSocketNotifier>
#include <atomic>
#include <cstdint>
#include <map>
#include <vector>

namespace presently {

// A Qt event dispatcher on Linux epoll for the gateway's thread: a loop pass costs in proportion
// to the sockets that are ready, not to every socket registered (Qt's own dispatchers poll them
// all on each pass). Socket notifiers, timers, posted events and cross-thread wake-ups as Qt
// expects them.
class EpollEventDispatcher : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    // A socket watched without a QSocketNotifier (see SocketWatcher, which uses this where it can).
    using DirectWatch = DirectSocketWatch;
    enum Interest : std::uint32_t { NoInterest = 0, ReadInterest = 1, WriteInterest = 2 };
    // The calling thread's dispatcher when it is one of these, else null.
    static EpollEventDispatcher *current();
    // Changes what `fd` is watched for, from `before` to `after` (flags of Interest). A watch
    // stopped during a pass is not called again in it; a watch may change itself while called.
    void updateDirectWatch(int fd, DirectWatch *watch, std::uint32_t before, std::uint32_t after);

    // After a pass that served direct watches, wait up to this long (microseconds; 0, the
    // default: not at all) for more of them to become ready before reading any: several frames
    // per wake-up when each would otherwise have its own. Notifiers, wake-ups and timers are
    // never held back. Off for a second after noteInteractive(): heartbeats may wait a moment,
    // a person's status change or message may not.
    void setBatchWindow(int microseconds);
    void noteInteractive();

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

private:
    struct Watch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        bool writeArmed = false; // EPOLLOUT wanted from the kernel (see registerSocketNotifier)
        std::uint32_t mask = 0;  // what epoll has now
    };
    struct Timer {
        QObject *object = nullptr;
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        qint64 dueMs = 0;
    };

    void updateWatch(int fd);
    bool deliverOptimisticWrites();
    int msUntilNextTimer() const;
    bool fireDueTimers();
    static qint64 nowMs();

    static constexpr qint64 kInteractiveHoldMs = 1000;

    int m_epoll = -1;       // every descriptor watched
    int m_urgentEpoll = -1; // all but direct watches: what ends a batch window early
    int m_wake = -1;
    qint64 m_batchWindowUs = 0;
    qint64 m_interactiveUntilMs = 0;
    bool m_servedSessions = false; // the last pass called a direct watch
    std::atomic<bool> m_interrupted{false};
    std::atomic<bool> m_wakeWritten{false}; // m_wake may hold a count
    QHash<int, Watch> m_watches;
    QHash<int, Timer> m_timers;
    std::multimap<qint64, int> m_due; // due time -> timer id
    QList<QPointer<QSocketNotifier>> m_optimisticWrites;
    int m_deliveringOptimisticWrite = -1;
    bool m_dispatching = false;
    std::vector<DirectWatch *> m_stoppedThisPass;
};

} // namespace presently
