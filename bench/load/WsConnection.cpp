#include "WsConnection.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <random>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace presently::bench {

namespace {
std::mt19937 &rng()
{
    static std::mt19937 generator(std::random_device{}());
    return generator;
}

SSL_CTX *g_tls = nullptr;
constexpr long kWouldBlock = -1;
constexpr long kFailed = -2;
} // namespace

bool WsConnection::enableTls()
{
    g_tls = SSL_CTX_new(TLS_client_method());
    if (!g_tls)
        return false;
    SSL_CTX_set_verify(g_tls, SSL_VERIFY_NONE, nullptr);
    // Thousands of idle connections in this process: give buffers back while idle.
    SSL_CTX_set_mode(g_tls,
                     SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return true;
}

WsConnection::WsConnection(EpollLoop &loop)
    : m_loop(loop)
{}

WsConnection::~WsConnection()
{
    closeSocket();
}

void WsConnection::closeSocket()
{
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    if (m_fd >= 0) {
        m_loop.remove(m_fd);
        ::close(m_fd);
        m_fd = -1;
    }
}

bool WsConnection::open(const std::string &host, int port, const std::string &sourceAddress)
{
    m_host = host;
    m_port = port;
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return false;
    const int one = 1;
    setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The kernel stamps data as it arrives: round trips then exclude this process's own delays.
    setsockopt(m_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    if (!sourceAddress.empty()) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        inet_pton(AF_INET, sourceAddress.c_str(), &local.sin_addr);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&local), sizeof local);
    }
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &remote.sin_addr);
    if (::connect(m_fd, reinterpret_cast<sockaddr *>(&remote), sizeof remote) != 0 && errno != EINPROGRESS) {
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    m_state = State::Connecting;
    return m_loop.add(m_fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, [this](std::uint32_t events) { onEvents(events); });
}

void WsConnection::onEvents(std::uint32_t events)
{
    if (events & (EPOLLERR | EPOLLHUP)) {
        fail();
        return;
    }
    if (m_state == State::Connecting && (events & EPOLLOUT)) {
        if (g_tls) {
            m_ssl = SSL_new(g_tls);
            if (!m_ssl || SSL_set_fd(m_ssl, m_fd) != 1) {
                fail();
                return;
            }
            SSL_set_connect_state(m_ssl);
            m_state = State::TlsHandshaking;
        } else {
            startHttpHandshake();
        }
    }
    if (m_state == State::TlsHandshaking) {
        continueTlsHandshake();
        return;
    }
    if (events & EPOLLOUT)
        flush();
    if (events & (EPOLLIN | EPOLLRDHUP))
        readAvailable();
}

void WsConnection::startHttpHandshake()
{
    m_state = State::Handshaking;
    m_out += "GET / HTTP/1.1\r\nHost: " + m_host + ":" + std::to_string(m_port) +
             "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n";
}

void WsConnection::continueTlsHandshake()
{
    ERR_clear_error();
    const int result = SSL_do_handshake(m_ssl);
    if (result == 1) {
        startHttpHandshake();
        flush();
        return;
    }
    const int error = SSL_get_error(m_ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        watch(error == SSL_ERROR_WANT_WRITE);
        return;
    }
    ERR_clear_error();
    fail();
}

void WsConnection::watch(bool write)
{
    if (m_fd >= 0)
        m_loop.modify(m_fd, EPOLLIN | EPOLLRDHUP | (write ? static_cast<std::uint32_t>(EPOLLOUT) : 0u));
}

long WsConnection::receiveSome(char *data, size_t size)
{
    if (!m_ssl) {
        const ssize_t n = ::recv(m_fd, data, size, 0);
        if (n >= 0)
            return n;
        return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kFailed;
    }
    ERR_clear_error();
    const int n = SSL_read(m_ssl, data, static_cast<int>(size));
    if (n > 0)
        return n;
    switch (SSL_get_error(m_ssl, n)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return kWouldBlock;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        ERR_clear_error();
        return kFailed;
    }
}

long WsConnection::sendSome(const char *data, size_t size)
{
    if (!m_ssl) {
        const ssize_t n = ::send(m_fd, data, size, MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kFailed;
    }
    ERR_clear_error();
    const int n = SSL_write(m_ssl, data, static_cast<int>(size));
    if (n > 0)
        return n;
    const int error = SSL_get_error(m_ssl, n);
    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ)
        return kWouldBlock;
    ERR_clear_error();
    return kFailed;
}

void WsConnection::readAvailable()
{
    if (m_ssl) { // no kernel receive stamps through OpenSSL: receivedUs() is the wall clock
        char buffer[16384];
        for (;;) {
            const long n = receiveSome(buffer, sizeof buffer);
            if (n > 0) {
                m_in.append(buffer, static_cast<size_t>(n));
                continue;
            }
            if (n != kWouldBlock) {
                parseFrames();
                fail();
                return;
            }
            break;
        }
        m_receivedUs = 0;
        parseFrames();
        return;
    }
    char buffer[16384];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    for (;;) {
        iovec io{buffer, sizeof buffer};
        msghdr message{};
        message.msg_iov = &io;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(m_fd, &message, 0);
        if (n > 0) {
            m_in.append(buffer, static_cast<size_t>(n));
            for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                    timespec at{};
                    std::memcpy(&at, CMSG_DATA(c), sizeof at);
                    m_receivedUs = static_cast<std::int64_t>(at.tv_sec) * 1000000 + at.tv_nsec / 1000;
                }
            }
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            parseFrames();
            fail();
            return;
        }
        break;
    }
    parseFrames();
}

void WsConnection::parseFrames()
{
    if (m_state == State::Handshaking) {
        const size_t end = m_in.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        if (m_in.compare(0, 12, "HTTP/1.1 101") != 0) {
            fail();
            return;
        }
        m_in.erase(0, end + 4);
        m_state = State::Open;
        if (onOpen)
            onOpen();
    }
    while (m_state == State::Open && m_in.size() >= 2) {
        const auto b0 = static_cast<unsigned char>(m_in[0]);
        const auto b1 = static_cast<unsigned char>(m_in[1]);
        std::uint64_t length = b1 & 0x7F;
        size_t header = 2;
        if (length == 126) {
            if (m_in.size() < 4)
                return;
            length = (static_cast<std::uint64_t>(static_cast<unsigned char>(m_in[2])) << 8) |
                     static_cast<unsigned char>(m_in[3]);
            header = 4;
        } else if (length == 127) {
            if (m_in.size() < 10)
                return;
            length = 0;
            for (int i = 0; i < 8; ++i)
                length = (length << 8) | static_cast<unsigned char>(m_in[2 + static_cast<size_t>(i)]);
            header = 10;
        }
        if (m_in.size() < header + length)
            return;
        const std::string payload = m_in.substr(header, length);
        m_in.erase(0, header + length);
        const int opcode = b0 & 0x0F;
        if (opcode == 0x1 && onText)
            onText(payload);
        else if (opcode == 0x9)
            writeFrame(0xA, payload);
        else if (opcode == 0x8) {
            fail();
            return;
        }
    }
}

void WsConnection::writeFrame(int opcode, const std::string &payload)
{
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    const size_t n = payload.size();
    if (n < 126) {
        frame.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        frame.push_back(static_cast<char>(0x80 | 126));
        frame.push_back(static_cast<char>((n >> 8) & 0xFF));
        frame.push_back(static_cast<char>(n & 0xFF));
    } else {
        frame.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            frame.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
    }
    const std::uint32_t mask = rng()();
    char key[4];
    std::memcpy(key, &mask, 4);
    frame.append(key, 4);
    for (size_t i = 0; i < n; ++i)
        frame.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
    m_out += frame;
    flush();
}

void WsConnection::sendText(const std::string &text)
{
    if (m_state == State::Open)
        writeFrame(0x1, text);
}

void WsConnection::flush()
{
    while (!m_out.empty() && m_fd >= 0 && m_state != State::Connecting) {
        const long n = sendSome(m_out.data(), m_out.size());
        if (n > 0) {
            m_out.erase(0, static_cast<size_t>(n));
            continue;
        }
        if (n == kWouldBlock)
            break;
        fail();
        return;
    }
    watch(!m_out.empty());
}

void WsConnection::drop()
{
    if (m_fd < 0)
        return;
    // SO_LINGER 0: the kernel resets the connection; no close frame, no FIN handshake.
    linger hard{1, 0};
    setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    closeSocket();
    m_state = State::Closed;
}

void WsConnection::fail()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    closeSocket();
    if (onClosed)
        onClosed();
}

} // namespace presently::bench
