#include "net/ProxyHeader.h"

#include <QtEndian>
#include <cstring>

namespace presently {

namespace {
constexpr char kSignature[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};
constexpr qsizetype kFixedBytes = 16;
constexpr quint8 kVersion2 = 0x20;
constexpr quint8 kCommandLocal = 0x0;
constexpr quint8 kCommandProxy = 0x1;
constexpr quint8 kTcpOverIPv4 = 0x11;
constexpr quint8 kTcpOverIPv6 = 0x21;

quint16 bigEndian16(const char *p)
{
    return quint16((quint8(p[0]) << 8) | quint8(p[1]));
}
} // namespace

qsizetype ProxyHeader::bytesNeeded() const
{
    if (m_status != Status::Incomplete)
        return 0;
    if (m_bytes.size() < kFixedBytes)
        return kFixedBytes - m_bytes.size();
    return kFixedBytes + bigEndian16(m_bytes.constData() + 14) - m_bytes.size();
}

ProxyHeader::Status ProxyHeader::append(const char *data, qsizetype size)
{
    if (m_status != Status::Incomplete)
        return m_status;
    m_bytes.append(data, qMin(size, bytesNeeded()));
    // The signature is checked as soon as its bytes come: a peer that sends anything else is
    // refused at once, not after 16 bytes.
    const qsizetype signatureBytes = qMin<qsizetype>(m_bytes.size(), sizeof kSignature);
    if (std::memcmp(m_bytes.constData(), kSignature, size_t(signatureBytes)) != 0)
        return invalid("no PROXY protocol v2 header from a trusted proxy");
    if (m_bytes.size() < kFixedBytes)
        return m_status;
    if ((quint8(m_bytes[12]) & 0xF0) != kVersion2)
        return invalid("PROXY protocol version other than 2");
    if (kFixedBytes + bigEndian16(m_bytes.constData() + 14) > kMaxBytes)
        return invalid("PROXY header too long");
    if (bytesNeeded() > 0)
        return m_status;
    return parse();
}

ProxyHeader::Status ProxyHeader::parse()
{
    const quint8 command = quint8(m_bytes[12]) & 0x0F;
    const quint8 family = quint8(m_bytes[13]);
    const char *body = m_bytes.constData() + kFixedBytes;
    const qsizetype length = m_bytes.size() - kFixedBytes;
    if (command == kCommandLocal) {
        m_status = Status::Complete;
        return m_status;
    }
    if (command != kCommandProxy)
        return invalid("unknown PROXY command");
    if (family == kTcpOverIPv4) {
        if (length < 12)
            return invalid("PROXY header too short for IPv4");
        quint32 address;
        std::memcpy(&address, body, 4);
        m_source = QHostAddress(qFromBigEndian(address));
        m_sourcePort = bigEndian16(body + 8);
    } else if (family == kTcpOverIPv6) {
        if (length < 36)
            return invalid("PROXY header too short for IPv6");
        m_source = QHostAddress(reinterpret_cast<const quint8 *>(body));
        m_sourcePort = bigEndian16(body + 32);
    }
    // Any other family (UNSPEC, UNIX): the balancer's own address stands.
    m_status = Status::Complete;
    return m_status;
}

ProxyHeader::Status ProxyHeader::invalid(const char *error)
{
    m_error = error;
    m_status = Status::Invalid;
    m_bytes = QByteArray();
    return m_status;
}

} // namespace presently
