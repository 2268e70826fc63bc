#include "net/SocketIo.h"

#include "base/LoopProbe.h"

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace presently::SocketIo {

namespace {
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0; // macOS: SO_NOSIGPIPE is set on the socket instead
#endif
} // namespace

qintptr accept(qintptr listener, AcceptStatus *status)
{
    int fd;
    do {
#if defined(__linux__)
        fd = ::accept4(static_cast<int>(listener), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        fd = ::accept(static_cast<int>(listener), nullptr, nullptr);
#endif
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
            *status = AcceptStatus::WouldBlock;
        else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            *status = AcceptStatus::OutOfFiles;
        else
            *status = AcceptStatus::Failed;
        return -1;
    }
#if !defined(__linux__)
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
#ifdef SO_NOSIGPIPE
    const int noSigPipe = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &noSigPipe, sizeof noSigPipe);
#endif
    const int noDelay = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay);
    *status = AcceptStatus::Accepted;
    return fd;
}

qint64 receive(qintptr socket, char *data, qint64 size)
{
    const LoopProbe::Scope probe(LoopProbe::Part::Receive);
    for (;;) {
        const ssize_t n = ::recv(static_cast<int>(socket), data, static_cast<size_t>(size), 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kFailed;
    }
}

qint64 send(qintptr socket, const char *data, qint64 size)
{
    const LoopProbe::Scope probe(LoopProbe::Part::Send);
    for (;;) {
        const ssize_t n = ::send(static_cast<int>(socket), data, static_cast<size_t>(size), kSendFlags);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kFailed;
    }
}

void close(qintptr socket)
{
    ::close(static_cast<int>(socket));
}

void shutdownWrite(qintptr socket)
{
    ::shutdown(static_cast<int>(socket), SHUT_WR);
}

QHostAddress peerAddress(qintptr socket)
{
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(static_cast<int>(socket), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address));
}

} // namespace presently::SocketIo
