#pragma once

#include "net/DirectSocketWatch.h"

#include <QtGlobal>
#include <cstdint>

class QObject;
class QSocketNotifier;

namespace presently {

class EpollEventDispatcher;

// Tells a handler when a socket can be read or written. On the gateway's epoll dispatcher the
// socket is registered with it directly (no QSocketNotifier objects, event or signal per wake-up:
// a good part of the memory a heartbeat touched); on any other dispatcher (Windows, macOS, or
// PRESENTLY_EVENT_LOOP=qt) through QSocketNotifiers. Watches for reading from construction on.
class SocketWatcher : private DirectSocketWatch {
public:
    class Handler {
    public:
        virtual void socketReadable() = 0;
        virtual void socketWritable() = 0;

    protected:
        ~Handler() = default;
    };

    // `context` parents the QSocketNotifiers, where they are used.
    SocketWatcher(qintptr socket, Handler *handler, QObject *context);
    ~SocketWatcher();
    SocketWatcher(const SocketWatcher &) = delete;
    SocketWatcher &operator=(const SocketWatcher &) = delete;

    void setWriteWatched(bool watched);
    // The socket carries a person's traffic now: the loop serves sockets at once for a while
    // (EpollEventDispatcher::noteInteractive), not in batches.
    void noteInteractive();
    // Stops watching for good: call before the socket is closed.
    void stop();

private:
    void watch(bool read, bool write);
    void socketReady(bool readable, bool writable) override;
    EpollEventDispatcher *m_epoll = nullptr; // null: QSocketNotifiers (another dispatcher or OS)
    qintptr m_socket;
    Handler *m_handler;
    QObject *m_context;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    bool m_read = false;
    bool m_write = false;
};

} // namespace presently
