#pragma once

#include <QHostAddress>
#include <QtGlobal>

namespace presently {

// The few calls the gateway makes on raw TCP sockets, behind one small interface:
// SocketIo_unix.cpp (Linux, macOS) and SocketIo_win.cpp (Winsock). Sockets are non-blocking.
namespace SocketIo {

constexpr qint64 kWouldBlock = -1;
constexpr qint64 kFailed = -2;

enum class AcceptStatus { Accepted, WouldBlock, OutOfFiles, Failed };

// Takes one connection from a listening socket: non-blocking, no Nagle delay, and (where it
// applies) no SIGPIPE and closed on exec.
qintptr accept(qintptr listener, AcceptStatus *status);

// Bytes read (> 0), 0 when the peer closed, kWouldBlock, or kFailed (reset and the like).
qint64 receive(qintptr socket, char *data, qint64 size);
// Bytes written (>= 0), kWouldBlock, or kFailed.
qint64 send(qintptr socket, const char *data, qint64 size);
void close(qintptr socket);
// No more bytes from us (a FIN after what is queued); reading goes on.
void shutdownWrite(qintptr socket);

QHostAddress peerAddress(qintptr socket);

} // namespace SocketIo

} // namespace presently
