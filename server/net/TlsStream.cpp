#include "net/TlsStream.h"

#include "base/LoopProbe.h"
#include "net/SocketIo.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace presently {

TlsStream::TlsStream(SSL *ssl)
    : m_ssl(ssl)
{}

TlsStream::~TlsStream()
{
    SSL_free(m_ssl); // writes nothing: the socket is closed by its owner
}

bool TlsStream::isEstablished() const
{
    return SSL_is_init_finished(m_ssl) == 1;
}

qint64 TlsStream::receive(char *data, qint64 size)
{
    const LoopProbe::Scope probe(LoopProbe::Part::Receive);
    m_readWaitsForWritable = false;
    qint64 total = 0;
    // Whole records only (the buffer has room for one): what OpenSSL decrypted is all handed on,
    // and what it has not read yet is still in the kernel, where epoll sees it.
    while (size - total >= kMaxRecordBytes) {
        ERR_clear_error(); // SSL_get_error reads this thread's queue
        const int n = SSL_read(m_ssl, data + total, static_cast<int>(size - total));
        if (n > 0) {
            total += n;
            continue;
        }
        switch (SSL_get_error(m_ssl, n)) {
        case SSL_ERROR_WANT_READ:
            return total > 0 ? total : SocketIo::kWouldBlock;
        case SSL_ERROR_WANT_WRITE:
            m_readWaitsForWritable = true;
            return total > 0 ? total : SocketIo::kWouldBlock;
        case SSL_ERROR_ZERO_RETURN: // close_notify
            return total;           // 0 (closed) unless bytes came before it; then 0 on the next call
        default:
            // A failed handshake (an old protocol, a client that refused our certificate), a
            // reset, or a TCP close without close_notify: the connection is over either way.
            ERR_clear_error();
            return total > 0 ? total : SocketIo::kFailed;
        }
    }
    return total;
}

qint64 TlsStream::send(const char *data, qint64 size)
{
    const LoopProbe::Scope probe(LoopProbe::Part::Send);
    qint64 total = 0;
    while (total < size) {
        ERR_clear_error();
        const int n = SSL_write(m_ssl, data + total, static_cast<int>(qMin<qint64>(size - total, 1 << 30)));
        if (n > 0) {
            total += n;
            continue;
        }
        if (SSL_get_error(m_ssl, n) == SSL_ERROR_WANT_WRITE)
            return total > 0 ? total : SocketIo::kWouldBlock;
        // Writing never needs a read here (no renegotiation; we write only once established),
        // so WANT_READ is treated like any other failure rather than waited for.
        ERR_clear_error();
        return SocketIo::kFailed;
    }
    return total;
}

void TlsStream::shutdownWrite()
{
    if (!isEstablished())
        return;
    ERR_clear_error();
    SSL_shutdown(m_ssl); // queues close_notify; a full socket buffer simply loses it
    ERR_clear_error();
}

} // namespace presently
