#include "net/SocketWatcher.h"

#ifdef PRESENTLY_HAVE_EPOLL
#include "net/EpollEventDispatcher.h"
#endif

#include <QSocketNotifier>

namespace presently {

SocketWatcher::SocketWatcher(qintptr socket, Handler *handler, QObject *context)
    : m_socket(socket)
    , m_handler(handler)
    , m_context(context)
{
#ifdef PRESENTLY_HAVE_EPOLL
    m_epoll = EpollEventDispatcher::current();
#endif
    watch(true, false);
}

SocketWatcher::~SocketWatcher()
{
    stop();
}

void SocketWatcher::setWriteWatched(bool watched)
{
    if (m_socket != -1)
        watch(m_read, watched);
}

void SocketWatcher::noteInteractive()
{
#ifdef PRESENTLY_HAVE_EPOLL
    if (m_epoll)
        m_epoll->noteInteractive();
#endif
}

void SocketWatcher::stop()
{
    if (m_socket == -1)
        return;
    watch(false, false);
    m_socket = -1;
}

void SocketWatcher::watch(bool read, bool write)
{
    if (read == m_read && write == m_write)
        return;
#ifdef PRESENTLY_HAVE_EPOLL
    if (m_epoll) {
        const auto interest = [](bool r, bool w) {
            return (r ? EpollEventDispatcher::ReadInterest : 0u) | (w ? EpollEventDispatcher::WriteInterest : 0u);
        };
        m_epoll->updateDirectWatch(static_cast<int>(m_socket), this, interest(m_read, m_write), interest(read, write));
        m_read = read;
        m_write = write;
        return;
    }
#endif
    const auto ensure = [this](QSocketNotifier *&notifier, QSocketNotifier::Type type, void (Handler::*call)()) {
        if (notifier)
            return;
        notifier = new QSocketNotifier(m_socket, type, m_context);
        notifier->setEnabled(false);
        QObject::connect(notifier, &QSocketNotifier::activated, m_context,
                         [handler = m_handler, call] { (handler->*call)(); });
    };
    if (read != m_read) {
        ensure(m_readNotifier, QSocketNotifier::Read, &Handler::socketReadable);
        m_readNotifier->setEnabled(read);
    }
    if (write != m_write) {
        ensure(m_writeNotifier, QSocketNotifier::Write, &Handler::socketWritable);
        m_writeNotifier->setEnabled(write);
    }
    m_read = read;
    m_write = write;
}

void SocketWatcher::socketReady(bool readable, bool writable)
{
    // The handler may stop the watch while reading; then it wants no write call either.
    if (readable && m_read)
        m_handler->socketReadable();
    if (writable && m_write)
        m_handler->socketWritable();
}

} // namespace presently
