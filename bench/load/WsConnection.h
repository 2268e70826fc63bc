#pragma once

#include "EpollLoop.h"

#include <functional>
#include <string>

typedef struct ssl_st SSL;

namespace presently::bench {

// A WebSocket client connection driven by EpollLoop: non-blocking connect from a chosen local
// address, the opening handshake, masked text frames out, text/close/ping frames in; over TLS
// (wss://, OpenSSL, certificates not checked: a load tool) once enableTls() was called.
class WsConnection {
public:
    // Every connection opened from now on speaks TLS. False when OpenSSL cannot start.
    static bool enableTls();

    std::function<void()> onOpen;
    std::function<void(const std::string &text)> onText;
    std::function<void()> onClosed;

    explicit WsConnection(EpollLoop &loop);
    ~WsConnection();
    WsConnection(const WsConnection &) = delete;
    WsConnection &operator=(const WsConnection &) = delete;

    bool open(const std::string &host, int port, const std::string &sourceAddress);
    void sendText(const std::string &text);
    // Gone without a close frame, as a crashed laptop or a cut cable.
    void drop();
    bool isOpen() const { return m_state == State::Open; }
    // When the kernel received the data last read (wall clock, µs; EpollLoop::wallUs() if the
    // kernel gave no stamp): the arrival time of the frame being handled.
    std::int64_t receivedUs() const { return m_receivedUs > 0 ? m_receivedUs : EpollLoop::wallUs(); }

private:
    enum class State { Idle, Connecting, TlsHandshaking, Handshaking, Open, Closed };
    void onEvents(std::uint32_t events);
    void startHttpHandshake();
    void continueTlsHandshake();
    // Bytes in or out of the socket, through TLS when there is one: > 0, 0 (closed), -1 (would
    // block) or -2 (failed).
    long receiveSome(char *data, size_t size);
    long sendSome(const char *data, size_t size);
    void watch(bool write);
    void closeSocket();
    void readAvailable();
    void parseFrames();
    void flush();
    void fail();
    void writeFrame(int opcode, const std::string &payload);

    EpollLoop &m_loop;
    int m_fd = -1;
    SSL *m_ssl = nullptr;
    State m_state = State::Idle;
    std::string m_host;
    int m_port = 0;
    std::string m_in;
    std::string m_out;
    std::int64_t m_receivedUs = 0;
};

} // namespace presently::bench
