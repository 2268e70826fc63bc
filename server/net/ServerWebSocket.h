#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QStringList>

#include "net/MessageChannel.h"
#include "net/PlainHttpHandler.h"
#include "net/ProxyHeader.h"
#include "net/SocketWatcher.h"
#include "net/TlsStream.h"

#include <memory>

namespace presently {

// The server end of one WebSocket (RFC 6455) on a raw, non-blocking TCP socket: the opening
// handshake, frames, ping, the close handshake and size limits. A heartbeat costs one read and
// one write, with no per-frame allocation and no QString: the gateway holds 19,000 of these,
// where QWebSocket's own objects and buffers were most of the memory and half the CPU.
//
// Frames go in order to one MessageChannel::Receiver, called directly (a signal per frame was the
// largest single cost of a heartbeat left); a receiver may call send/close/abort, and may delete
// the socket only later (deleteLater), never from inside a call.
class ServerWebSocket : public QObject, public MessageChannel, private SocketWatcher::Handler {
    Q_OBJECT
public:
    enum class State { Handshaking, Open, Closing, Closed };

    // Takes ownership of `socket` (an accepted, non-blocking socket, see SocketIo) and of `tls`
    // (wss://: TLS on that socket; null: plain ws://). Browsers' requests (with Origin) are
    // accepted from `allowedOrigins` only (WebSocketCodec::readHandshake).
    ServerWebSocket(qintptr socket, std::unique_ptr<TlsStream> tls, qint64 maxMessageBytes,
                    const QStringList &allowedOrigins = {}, QObject *parent = nullptr);
    ~ServerWebSocket() override;

    State state() const { return m_state; }
    // The connection comes from a trusted load balancer: a PROXY protocol v2 header comes first
    // and says whose it is (peerAddress()). Call before the event loop runs again.
    void expectProxyHeader();
    // Who answers a plain GET instead of an upgrade (health checks); unset: 426.
    void setPlainHttpHandler(PlainHttpHandler handler) { m_plainHttp = std::move(handler); }
    // The client's address: the PROXY header's source when there is one.
    QHostAddress peerAddress() const override;
    // Bytes the kernel has not taken yet.
    qint64 bytesToWrite() const override { return outputPending(); }

    // Frames that arrive with no receiver are dropped.
    void setReceiver(Receiver *receiver) override { m_receiver = receiver; }
    void sendText(const QByteArray &utf8) override;
    // Starts the close handshake; the connection ends when the peer answers, or after a short
    // wait. Frames that arrive meanwhile are dropped.
    void close(quint16 code, const QString &reason) override;
    // Ends the connection at once, without a close frame.
    void abort();
    // What arrived wants an answer soon (not a heartbeat): see SocketWatcher::noteInteractive.
    void noteInteractive() override { m_watcher.noteInteractive(); }

Q_SIGNALS:
    void opened();
    // The connection is gone, however it ended; emitted once, after the receiver's channelClosed().
    void disconnected();

private:
    void socketReadable() override;
    // Reads the PROXY header, never a byte past it; false while it is incomplete or refused.
    bool readProxyHeader();
    void socketWritable() override;
    // Handles what `data` holds; returns the bytes used (the rest is an incomplete frame).
    qsizetype consume(char *data, qsizetype size);
    qsizetype consumeHandshake(char *data, qsizetype size);
    void handleFrame(quint8 opcode, bool fin, char *payload, qint64 length);
    void handleClose(const char *payload, qint64 length);
    void answerPing(const char *payload, qint64 length);
    void deliver(quint8 opcode, char *payload, qint64 length);
    void fail(quint16 code, const char *reason);
    void sendFrame(quint8 opcode, const char *payload, qint64 length);
    void sendRaw(const char *data, qint64 size);
    // Appends to the backlog; a peer that lets it pass kMaxOutputBytes is dropped.
    void queueOutput(const char *data, qint64 size);
    void dropLater();
    // The socket's bytes, through TLS when there is one.
    qint64 receiveBytes(char *data, qint64 size);
    qint64 sendBytes(const char *data, qint64 size);
    // Watch for writable while output waits, or TLS waits to go on reading.
    void updateWriteWatch();
    qsizetype outputPending() const { return m_output.size() - m_outputStart; }
    void startClosing(quint16 code, const QByteArray &reasonUtf8, bool discardInput);
    // No more frames either way: once what is queued is written, shut down writing and close
    // when the peer's FIN comes (or shortly after).
    void finish();
    void shutDownWriting();
    void closeSocket();

    qintptr m_socket;
    std::unique_ptr<TlsStream> m_tls;
    std::unique_ptr<ProxyHeader> m_proxyHeader; // only behind a trusted load balancer
    Receiver *m_receiver = nullptr;
    qint64 m_maxMessageBytes;
    QStringList m_allowedOrigins; // shared with every other socket's copy
    PlainHttpHandler m_plainHttp;
    State m_state = State::Handshaking;
    SocketWatcher m_watcher;
    QByteArray m_input;   // received bytes that are not a whole frame yet
    QByteArray m_message; // the fragments of a message so far
    QByteArray m_output;  // bytes the kernel has not taken yet, from m_outputStart on
    qsizetype m_outputStart = 0;
    QByteArray m_pendingPong; // the latest ping's payload, answered once the backlog is written
    bool m_pongPending = false;
    int m_fragments = 0;            // of the message being assembled
    qint64 m_bytesWhileClosing = 0; // data received after our close frame
    quint8 m_messageOpcode = 0;
    bool m_discardInput = false; // after a protocol error: the stream cannot be parsed any more
    bool m_finishing = false;    // shut down writing when m_output is written
    bool m_draining = false;     // writing shut down: reading only for the peer's FIN
    bool m_sendFailed = false;
};

} // namespace presently
