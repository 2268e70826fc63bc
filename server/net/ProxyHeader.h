#pragma once

#include <QHostAddress>
#include <QtGlobal>

namespace presently {

// HAProxy's PROXY protocol, version 2 (binary): the header a load balancer sends first on each
// connection to say whose it is. Only the header is read here (no socket); the caller reads
// exactly bytesNeeded() more each time, so nothing after the header (a TLS ClientHello, the HTTP
// request) is ever taken from the stream.
class ProxyHeader {
public:
    enum class Status { Incomplete, Invalid, Complete };
    // A larger header (TLVs of certificates and the like) is refused.
    static constexpr qsizetype kMaxBytes = 16 + 2048;

    // Appends what arrived; at most bytesNeeded() bytes at a time.
    Status append(const char *data, qsizetype size);
    // How many more bytes the header has (or its fixed part, until its length is known).
    qsizetype bytesNeeded() const;
    Status status() const { return m_status; }
    const char *error() const { return m_error; }
    // PROXY command over TCP: the client's address and port. LOCAL (the balancer's own health
    // check) or an unspecified family: null, the connection's own address stands.
    QHostAddress source() const { return m_source; }
    quint16 sourcePort() const { return m_sourcePort; }

private:
    Status parse();
    Status invalid(const char *error);

    QByteArray m_bytes;
    Status m_status = Status::Incomplete;
    const char *m_error = "";
    QHostAddress m_source;
    quint16 m_sourcePort = 0;
};

} // namespace presently
