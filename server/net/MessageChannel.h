#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QString>

namespace presently {

// What a session sees of its connection: text messages in order, one way to send, one to close.
// ServerWebSocket is the real one; a session test uses a fake. Calls to the receiver are direct
// (a heartbeat must not pay for a signal).
class MessageChannel {
public:
    class Receiver {
    public:
        // `utf8` is valid UTF-8 and only valid during the call.
        virtual void textReceived(const QByteArray &utf8) = 0;
        virtual void binaryReceived(const QByteArray &data) = 0;
        // The peer started the close handshake (answered already).
        virtual void closeReceived() = 0;
        // A frame that is no message of its own (a ping, a pong, a fragment before the last):
        // handled by the transport, only counted here against the frame limits.
        virtual void frameCounted() = 0;
        // The connection is gone, however it ended; called once. The receiver may delete the
        // channel only later (deleteLater), never from inside a call.
        virtual void channelClosed() = 0;

    protected:
        ~Receiver() = default;
    };

    virtual ~MessageChannel() = default;

    // Messages that arrive with no receiver are dropped.
    virtual void setReceiver(Receiver *receiver) = 0;
    virtual void sendText(const QByteArray &utf8) = 0;
    // Bytes accepted by sendText that the peer has not taken yet.
    virtual qint64 bytesToWrite() const = 0;
    // Starts the close handshake; channelClosed() follows when it ends.
    virtual void close(quint16 code, const QString &reason) = 0;
    // What arrived wants an answer soon (not a heartbeat): the transport may stop batching.
    virtual void noteInteractive() = 0;
    // The client's address (for limits and logs); null when unknown.
    virtual QHostAddress peerAddress() const { return {}; }
};

} // namespace presently
