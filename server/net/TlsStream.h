#pragma once

#include <QtGlobal>

typedef struct ssl_st SSL;

namespace presently {

// One connection's TLS (server side) over its non-blocking socket, with SocketIo's calling
// convention so the WebSocket above it reads and writes the same way with or without it. The
// handshake runs inside the first reads. OpenSSL may need the socket writable to go on reading
// (its handshake answers): readWaitsForWritable() says so, and the caller reads again then.
class TlsStream {
public:
    // Takes ownership of `ssl` (TlsContext::newSession).
    explicit TlsStream(SSL *ssl);
    ~TlsStream();
    TlsStream(const TlsStream &) = delete;
    TlsStream &operator=(const TlsStream &) = delete;

    // Plain bytes read (> 0), 0 when the peer closed, SocketIo::kWouldBlock or kFailed (a failed
    // handshake included). `size` must hold a whole record (16 KiB): nothing is left inside
    // OpenSSL that the event loop would not report.
    qint64 receive(char *data, qint64 size);
    // Plain bytes taken (>= 0), kWouldBlock or kFailed. After a partial write the rest must be
    // offered again, from the same bytes on (it may have moved).
    qint64 send(const char *data, qint64 size);
    // Sends close_notify when the connection is established (best effort); the caller then shuts
    // the socket down.
    void shutdownWrite();
    bool readWaitsForWritable() const { return m_readWaitsForWritable; }
    bool isEstablished() const;

    static constexpr qint64 kMaxRecordBytes = 16 * 1024;

private:
    SSL *m_ssl;
    bool m_readWaitsForWritable = false;
};

} // namespace presently
