#include "net/ServerWebSocket.h"

#include "metrics/Metrics.h"
#include "net/SocketIo.h"
#include "net/WebSocketCodec.h"

#include <QTimer>
#include <array>
#include <cstring>
#include <utility>

namespace presently {

using namespace WebSocketCodec;

namespace {
constexpr qint64 kReadChunk = 64 * 1024;
// Reads per readiness event: a fast sender gets 256 KiB, then every other socket its turn (the
// loop is level-triggered, so what is left is reported again at once).
constexpr int kReadsPerPass = 4;
constexpr qint64 kWriteChunk = 16 * 1024;
constexpr qsizetype kMaxHandshakeBytes = 8 * 1024;
// Fragments of one message: enough for any real client, and a flood of empty continuation
// frames ends here (each fragment is also counted by the receiver's frame limits).
constexpr int kMaxFragments = 1024;
// Bytes queued for a peer that does not read: the session closes politely far below this
// (Session::kMaxPendingWriteBytes); here the connection is dropped, whatever queued them.
constexpr qsizetype kMaxOutputBytes = 16 * 1024 * 1024;
// How long a close handshake, or writing the last bytes before closing, may take.
constexpr int kCloseTimeoutMs = 1000;
// Bytes of frames that may come after our close frame before the peer's: a client that
// answers the close sends little; one that goes on sending is not waited for.
constexpr qint64 kMaxBytesWhileClosing = 64 * 1024;
// After our last byte (FIN sent): how long the peer's own FIN is waited for, so our response
// or close frame is not destroyed by a reset (closing with unread input sends RST).
constexpr int kDrainMs = 250;

// One read and one write buffer per thread, shared by its sockets: a socket keeps bytes of its
// own only while a frame is incomplete or the kernel will not take more.
char *readBuffer()
{
    thread_local std::array<char, kReadChunk> buffer;
    return buffer.data();
}

char *writeBuffer()
{
    thread_local std::array<char, kWriteChunk> buffer;
    return buffer.data();
}
} // namespace

ServerWebSocket::ServerWebSocket(qintptr socket, std::unique_ptr<TlsStream> tls, qint64 maxMessageBytes,
                                 const QStringList &allowedOrigins, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_tls(std::move(tls))
    , m_maxMessageBytes(maxMessageBytes)
    , m_allowedOrigins(allowedOrigins)
    , m_watcher(socket, this, this)
{}

ServerWebSocket::~ServerWebSocket()
{
    if (m_socket != -1) {
        m_watcher.stop();
        m_tls.reset();
        SocketIo::close(m_socket);
    }
}

qint64 ServerWebSocket::receiveBytes(char *data, qint64 size)
{
    return m_tls ? m_tls->receive(data, size) : SocketIo::receive(m_socket, data, size);
}

qint64 ServerWebSocket::sendBytes(const char *data, qint64 size)
{
    return m_tls ? m_tls->send(data, size) : SocketIo::send(m_socket, data, size);
}

void ServerWebSocket::updateWriteWatch()
{
    m_watcher.setWriteWatched(!m_draining && (outputPending() > 0 || (m_tls && m_tls->readWaitsForWritable())));
}

void ServerWebSocket::expectProxyHeader()
{
    m_proxyHeader = std::make_unique<ProxyHeader>();
}

QHostAddress ServerWebSocket::peerAddress() const
{
    if (m_proxyHeader && !m_proxyHeader->source().isNull())
        return m_proxyHeader->source();
    return m_socket == -1 ? QHostAddress() : SocketIo::peerAddress(m_socket);
}

bool ServerWebSocket::readProxyHeader()
{
    char buffer[ProxyHeader::kMaxBytes];
    while (m_proxyHeader->status() == ProxyHeader::Status::Incomplete) {
        // Exactly what the header still has: what follows it (TLS, HTTP) stays in the kernel.
        const qint64 wanted = m_proxyHeader->bytesNeeded();
        const qint64 n = SocketIo::receive(m_socket, buffer, wanted);
        if (n == SocketIo::kWouldBlock)
            return false;
        if (n <= 0) {
            closeSocket();
            return false;
        }
        if (m_proxyHeader->append(buffer, n) == ProxyHeader::Status::Invalid) {
            // A trusted balancer set up without send-proxy-v2 fails every connection: say so,
            // once per process rather than per connection.
            static bool warned = false;
            if (!warned) {
                qWarning("refusing a connection from a trusted proxy: %s (is it set to send-proxy-v2?)",
                         m_proxyHeader->error());
                warned = true;
            }
            closeSocket();
            return false;
        }
        if (n < wanted)
            return false; // the rest has not come yet
    }
    return true;
}

void ServerWebSocket::sendText(const QByteArray &utf8)
{
    if (m_state == State::Open)
        sendFrame(OpText, utf8.constData(), utf8.size());
}

void ServerWebSocket::close(quint16 code, const QString &reason)
{
    // A peer closed for abuse (policy, size) is not waited for: its close frame would only come
    // after whatever else it is sending.
    const bool abusive = code == ClosePolicy || code == CloseTooBig;
    if (m_state == State::Open)
        startClosing(code, reason.toUtf8(), abusive);
    else if (m_state == State::Handshaking)
        abort();
}

void ServerWebSocket::abort()
{
    closeSocket();
}

void ServerWebSocket::socketReadable()
{
    for (int pass = 0; pass < kReadsPerPass; ++pass) {
        if (m_socket == -1)
            return;
        if (m_proxyHeader && m_proxyHeader->status() != ProxyHeader::Status::Complete && !readProxyHeader())
            return;
        char *buffer = readBuffer();
        const qint64 n = receiveBytes(buffer, kReadChunk);
        if (m_tls && m_tls->readWaitsForWritable())
            updateWriteWatch(); // the handshake goes on when the socket takes its answer
        if (n == SocketIo::kWouldBlock)
            return;
        if (n <= 0) { // closed by the peer, or reset
            closeSocket();
            return;
        }
        Metrics::loop().bytesIn += quint64(n);
        if (!m_discardInput && !m_draining) {
            if (m_input.isEmpty()) {
                // The common case: whole frames, handled straight from the shared buffer.
                const qsizetype used = consume(buffer, n);
                if (m_socket != -1 && used < n && !m_discardInput)
                    m_input.append(buffer + used, n - used);
            } else {
                m_input.append(buffer, n);
                const qsizetype used = consume(m_input.data(), m_input.size());
                if (m_discardInput || used == m_input.size())
                    m_input = QByteArray(); // gives the memory back
                else
                    m_input.remove(0, used);
            }
        }
        if (n < kReadChunk - (m_tls ? TlsStream::kMaxRecordBytes : 0))
            return; // the kernel has nothing more: no need to ask it again
    }
}

qsizetype ServerWebSocket::consume(char *data, qsizetype size)
{
    qsizetype pos = 0;
    if (m_state == State::Handshaking) {
        pos = consumeHandshake(data, size);
        if (m_state == State::Handshaking)
            return pos;
    }
    while (pos < size && !m_discardInput && (m_state == State::Open || m_state == State::Closing)) {
        const Frame frame = readClientFrame(data + pos, size - pos, m_maxMessageBytes);
        if (frame.status == Frame::Status::Incomplete)
            break;
        if (frame.status == Frame::Status::Failed) {
            fail(frame.closeCode, frame.error);
            break;
        }
        pos += frame.consumed;
        handleFrame(frame.opcode, frame.fin, frame.payload, frame.length);
    }
    return m_discardInput ? size : pos;
}

qsizetype ServerWebSocket::consumeHandshake(char *data, qsizetype size)
{
    const Handshake handshake = readHandshake(data, size, kMaxHandshakeBytes, m_allowedOrigins);
    switch (handshake.status) {
    case Handshake::Status::Incomplete:
        return 0;
    case Handshake::Status::Rejected:
        Metrics::instance().countHandshake("rejected");
        sendRaw(handshake.response.constData(), handshake.response.size());
        finish();
        return size;
    case Handshake::Status::Plain: {
        Metrics::instance().countHandshake("http");
        const QByteArray answer = m_plainHttp ? m_plainHttp(handshake.target) : QByteArray();
        const QByteArray &response = answer.isEmpty() ? handshake.response : answer;
        sendRaw(response.constData(), response.size());
        finish();
        return size;
    }
    case Handshake::Status::Accepted:
        break;
    }
    Metrics::instance().countHandshake("accepted");
    sendRaw(handshake.response.constData(), handshake.response.size());
    m_state = State::Open;
    Q_EMIT opened();
    return handshake.consumed;
}

void ServerWebSocket::handleFrame(quint8 opcode, bool fin, char *payload, qint64 length)
{
    ++Metrics::loop().framesIn;
    // Control frames and fragments before the last never reach the receiver as messages: it
    // counts them here, so a flood of them meets the same limits as messages do.
    if ((opcode & 0x8) != 0 || !fin) {
        if (m_receiver && m_state == State::Open)
            m_receiver->frameCounted();
        if (m_socket == -1)
            return;
    }
    switch (opcode) {
    case OpPing:
        if (m_state == State::Open)
            answerPing(payload, length);
        return;
    case OpPong:
        return;
    case OpClose:
        handleClose(payload, length);
        return;
    default:
        break;
    }
    if (m_state != State::Open) { // closing: data is dropped, up to a point
        m_bytesWhileClosing += length;
        if (m_bytesWhileClosing > kMaxBytesWhileClosing)
            finish();
        return;
    }
    if (opcode == OpContinuation) {
        if (m_messageOpcode == 0) {
            fail(CloseProtocolError, "continuation frame without a message");
            return;
        }
        if (m_message.size() + length > m_maxMessageBytes) {
            fail(CloseTooBig, "message over the size limit");
            return;
        }
        if (++m_fragments > kMaxFragments) {
            fail(ClosePolicy, "message in too many fragments");
            return;
        }
        m_message.append(payload, length);
        if (fin) {
            QByteArray message = std::exchange(m_message, {});
            m_fragments = 0;
            deliver(std::exchange(m_messageOpcode, 0), message.data(), message.size());
        }
        return;
    }
    if (m_messageOpcode != 0) {
        fail(CloseProtocolError, "new message before the last one ended");
        return;
    }
    if (fin) {
        deliver(opcode, payload, length);
        return;
    }
    m_messageOpcode = opcode;
    m_fragments = 1;
    m_message = QByteArray(payload, length);
}

void ServerWebSocket::answerPing(const char *payload, qint64 length)
{
    // Only the latest unanswered ping is answered (RFC 6455, 5.5.3): a peer that pings without
    // reading costs at most one pong, held until the kernel takes what is queued.
    if (outputPending() == 0) {
        sendFrame(OpPong, payload, length);
        return;
    }
    m_pendingPong = QByteArray(payload, length);
    m_pongPending = true;
}

void ServerWebSocket::deliver(quint8 opcode, char *payload, qint64 length)
{
    if (opcode == OpBinary) {
        if (m_receiver)
            m_receiver->binaryReceived(QByteArray::fromRawData(payload, length));
        return;
    }
    if (!isValidUtf8(payload, length)) {
        fail(CloseInvalidPayload, "text frame is not UTF-8");
        return;
    }
    if (m_receiver)
        m_receiver->textReceived(QByteArray::fromRawData(payload, length));
}

void ServerWebSocket::handleClose(const char *payload, qint64 length)
{
    quint16 code = 0;
    if (length == 1) {
        fail(CloseProtocolError, "close frame with a one-byte payload");
        return;
    }
    if (length >= 2) {
        code = static_cast<quint16>((quint8(payload[0]) << 8) | quint8(payload[1]));
        if (!isValidReceivedCloseCode(code)) {
            fail(CloseProtocolError, "invalid close code");
            return;
        }
        if (!isValidUtf8(payload + 2, length - 2)) {
            fail(CloseInvalidPayload, "close reason is not UTF-8");
            return;
        }
    }
    if (m_state == State::Open) {
        if (m_receiver)
            m_receiver->closeReceived();
        if (m_state == State::Open) { // answer with the same code, as is usual
            const QByteArray reply = code ? closePayload(code, {}) : QByteArray();
            sendFrame(OpClose, reply.constData(), reply.size());
        }
    }
    finish();
}

void ServerWebSocket::fail(quint16 code, const char *reason)
{
    if (m_state == State::Open) {
        startClosing(code, QByteArray(reason), true);
        return;
    }
    m_discardInput = true;
    finish();
}

void ServerWebSocket::startClosing(quint16 code, const QByteArray &reasonUtf8, bool discardInput)
{
    const QByteArray payload = closePayload(code, reasonUtf8);
    sendFrame(OpClose, payload.constData(), payload.size());
    m_state = State::Closing;
    m_message.clear();
    m_pongPending = false;
    if (discardInput) {
        // The stream is broken or abusive: no close frame is waited for.
        m_discardInput = true;
        finish();
        return;
    }
    QTimer::singleShot(kCloseTimeoutMs, this, &ServerWebSocket::closeSocket);
}

void ServerWebSocket::finish()
{
    if (m_socket == -1)
        return;
    m_state = State::Closed;
    m_discardInput = true;
    m_pongPending = false;
    QTimer::singleShot(kCloseTimeoutMs, this, &ServerWebSocket::closeSocket); // whatever happens
    if (outputPending() == 0)
        shutDownWriting();
    else
        m_finishing = true; // socketWritable() goes on when the last byte is out
}

void ServerWebSocket::shutDownWriting()
{
    if (m_socket == -1 || m_draining)
        return;
    if (m_tls)
        m_tls->shutdownWrite();
    SocketIo::shutdownWrite(m_socket);
    m_draining = true;
    m_watcher.setWriteWatched(false);
    QTimer::singleShot(kDrainMs, this, &ServerWebSocket::closeSocket);
}

void ServerWebSocket::sendFrame(quint8 opcode, const char *payload, qint64 length)
{
    char header[10];
    const int headerSize = writeFrameHeader(header, opcode, quint64(length));
    if (m_socket == -1 || m_sendFailed || m_draining)
        return;
    Metrics::LoopCounts &counts = Metrics::loop();
    ++counts.framesOut;
    counts.bytesOut += quint64(headerSize + length);
    if (outputPending() > 0) {
        queueOutput(header, headerSize);
        queueOutput(payload, length);
        return;
    }
    // One write per frame: header and payload together.
    if (headerSize + length <= kWriteChunk) {
        char *frame = writeBuffer();
        std::memcpy(frame, header, headerSize);
        if (length > 0)
            std::memcpy(frame + headerSize, payload, size_t(length));
        sendRaw(frame, headerSize + length);
        return;
    }
    QByteArray frame;
    frame.reserve(headerSize + length);
    frame.append(header, headerSize);
    frame.append(payload, length);
    sendRaw(frame.constData(), frame.size());
}

void ServerWebSocket::sendRaw(const char *data, qint64 size)
{
    if (m_socket == -1 || m_sendFailed || m_draining)
        return;
    if (outputPending() > 0) {
        queueOutput(data, size);
        return;
    }
    qint64 sent = sendBytes(data, size);
    if (sent == size)
        return;
    if (sent == SocketIo::kFailed) {
        dropLater();
        return;
    }
    if (sent == SocketIo::kWouldBlock)
        sent = 0;
    queueOutput(data + sent, size - sent);
    updateWriteWatch();
}

void ServerWebSocket::queueOutput(const char *data, qint64 size)
{
    if (outputPending() + size > kMaxOutputBytes) {
        // The peer does not read: nothing queued for it will arrive, a close frame neither.
        m_output = QByteArray();
        m_outputStart = 0;
        dropLater();
        return;
    }
    m_output.append(data, size);
}

void ServerWebSocket::dropLater()
{
    // The peer is gone (or will not read); reading tells the same soon, but do not wait for it
    // (nor close from inside whatever is sending).
    if (m_sendFailed)
        return;
    m_sendFailed = true;
    QMetaObject::invokeMethod(this, &ServerWebSocket::closeSocket, Qt::QueuedConnection);
}

void ServerWebSocket::socketWritable()
{
    if (m_socket == -1)
        return;
    if (m_tls && m_tls->readWaitsForWritable()) {
        socketReadable(); // the TLS handshake's answer can go now
        if (m_socket == -1)
            return;
        if (outputPending() == 0) {
            updateWriteWatch();
            return;
        }
    }
    const qint64 sent = sendBytes(m_output.constData() + m_outputStart, outputPending());
    if (sent == SocketIo::kFailed) {
        m_output = QByteArray();
        m_outputStart = 0;
        closeSocket();
        return;
    }
    if (sent > 0)
        m_outputStart += sent; // consumed from the front: no copy of the rest per write
    if (outputPending() > 0) {
        // Compact now and then, so a long backlog is not held twice.
        if (m_outputStart >= kWriteChunk * 4 && m_outputStart * 2 >= m_output.size()) {
            m_output.remove(0, m_outputStart);
            m_outputStart = 0;
        }
        return;
    }
    m_output = QByteArray();
    m_outputStart = 0;
    updateWriteWatch();
    if (m_finishing) {
        shutDownWriting();
        return;
    }
    if (m_pongPending) { // the latest ping waited for the queue to drain
        m_pongPending = false;
        const QByteArray pong = std::exchange(m_pendingPong, {});
        sendFrame(OpPong, pong.constData(), pong.size());
    }
}

void ServerWebSocket::closeSocket()
{
    if (m_socket == -1)
        return;
    // The watch first: the descriptor must leave the event loop before it can be reused.
    m_watcher.stop();
    m_tls.reset();
    SocketIo::close(m_socket);
    m_socket = -1;
    m_state = State::Closed;
    m_output = QByteArray();
    m_outputStart = 0;
    m_pendingPong = QByteArray();
    if (m_receiver)
        m_receiver->channelClosed();
    Q_EMIT disconnected();
}

} // namespace presently
