#include "net/SocketIo.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <climits>

// Winsock is started by Qt Network (the listener is a QTcpServer) before any of these run.
namespace presently::SocketIo {

qintptr accept(qintptr listener, AcceptStatus *status)
{
    const SOCKET s = ::accept(static_cast<SOCKET>(listener), nullptr, nullptr);
    if (s == INVALID_SOCKET) {
        const int error = ::WSAGetLastError();
        if (error == WSAEWOULDBLOCK || error == WSAECONNRESET || error == WSAEINTR)
            *status = AcceptStatus::WouldBlock;
        else if (error == WSAEMFILE || error == WSAENOBUFS)
            *status = AcceptStatus::OutOfFiles;
        else
            *status = AcceptStatus::Failed;
        return -1;
    }
    u_long nonBlocking = 1;
    ::ioctlsocket(s, FIONBIO, &nonBlocking);
    const BOOL noDelay = TRUE;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char *>(&noDelay), sizeof noDelay);
    *status = AcceptStatus::Accepted;
    return static_cast<qintptr>(s);
}

qint64 receive(qintptr socket, char *data, qint64 size)
{
    const int n = ::recv(static_cast<SOCKET>(socket), data, static_cast<int>(qMin<qint64>(size, INT_MAX)), 0);
    if (n >= 0)
        return n;
    return ::WSAGetLastError() == WSAEWOULDBLOCK ? kWouldBlock : kFailed;
}

qint64 send(qintptr socket, const char *data, qint64 size)
{
    const int n = ::send(static_cast<SOCKET>(socket), data, static_cast<int>(qMin<qint64>(size, INT_MAX)), 0);
    if (n >= 0)
        return n;
    return ::WSAGetLastError() == WSAEWOULDBLOCK ? kWouldBlock : kFailed;
}

void close(qintptr socket)
{
    ::closesocket(static_cast<SOCKET>(socket));
}

void shutdownWrite(qintptr socket)
{
    ::shutdown(static_cast<SOCKET>(socket), SD_SEND);
}

QHostAddress peerAddress(qintptr socket)
{
    sockaddr_storage address{};
    int length = sizeof address;
    if (::getpeername(static_cast<SOCKET>(socket), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address));
}

} // namespace presently::SocketIo
