#pragma once

#include "messages/MessageStore.h"
#include "presence/PresenceWatcher.h"
#include "protocol/ProtocolParser.h"
#include "net/ServerWebSocket.h"
#include "base/TokenBucket.h"

#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <deque>
#include <functional>
#include <utility>

namespace presently {

class Gateway;

// One client's WebSocket and, once signed in, its session: the protocol state machine.
// Frames are handled strictly in arrival order; while a request waits for the store or a
// password hash, later frames queue behind it.
class ClientConnection : public QObject, public PresenceWatcher, private ServerWebSocket::Receiver {
    Q_OBJECT
public:
    ClientConnection(ServerWebSocket *socket, Gateway *gateway);
    ~ClientConnection() override;

    const QString &user() const { return m_user; }
    const QString &sessionId() const { return m_sessionId; }
    bool isLive() const { return m_state == State::Live; }

    void presencePushed(const UserPresence &presence) override;
    void handleUserEvent(const QJsonObject &event);
    // The store ended this session (TTL ran out, or another gateway claimed it).
    void expire();
    // Server shutdown: close with 1001 and leave the session's presence to its TTL.
    void goAway();
    // Delivers every message of this user up to `mid` not delivered yet, in mid order, from SQL.
    void deliverUpTo(qint64 mid);

private:
    enum class State { AwaitingHello, Authenticating, Live, Closed };

    void textReceived(const QByteArray &utf8) override { onFrame(utf8, false); }
    void binaryReceived(const QByteArray &data) override { onFrame(data, true); }
    void closeReceived() override { m_closeHandshake = true; }

    void onFrame(const QByteArray &frame, bool binary);
    // Runs `task` in order with the others: at once when nothing waits before it (most frames,
    // every heartbeat; no std::function made), else queued behind what does.
    template <typename Task> void enqueue(Task &&task)
    {
        if (m_state == State::Closed)
            return;
        startTurnIfNew();
        if (m_busy || m_draining || !m_queue.empty() || m_turnBudget == 0) {
            m_queue.emplace_back(std::forward<Task>(task));
            if (m_turnBudget == 0)
                yieldTurn();
            return;
        }
        --m_turnBudget;
        m_draining = true;
        task();
        m_draining = false;
        drain(); // what running it queued
    }
    void drain();
    void startTurnIfNew();
    void yieldTurn();
    void beginAsync();
    void endAsync();

    void handle(const ParseResult &result, bool rateLimited);
    void handleBeforeWelcome(const ParseResult &result);
    void handleLive(const ClientMessage &message);
    void authenticate(const ClientMessage &message);
    void authenticated(const QString &user, const QString &token, const QString &device);
    void refuse(ErrorCode code, const QString &message, const QJsonValue &id);

    void handleSetStatus(const ClientMessage &m);
    void handlePresenceRequest(const ClientMessage &m);
    void handleContactChange(const ClientMessage &m);
    void endSession(quint16 closeCode, const QString &reason);

    void handleSend(const ClientMessage &m);
    void acknowledgeSend(const MessageStore::SendResult &result, const QJsonValue &id);
    void handleHistory(const ClientMessage &m);
    void handleSync(const ClientMessage &m);
    void handleRead(const ClientMessage &m);
    void handleTyping(const ClientMessage &m);
    void sendMessagePage(const std::optional<struct MessagePage> &page, const QJsonValue &id);

    void reloadContacts(bool autoWatchNew);

    void send(const QJsonObject &object);
    void sendFrame(const QByteArray &utf8);
    void sendError(ErrorCode code, const QString &message, const QJsonValue &id);
    void sendOk(const QJsonValue &id);
    void close(quint16 code, const QString &reason);
    void onDisconnected();

    ServerWebSocket *m_socket; // a child
    Gateway *m_gateway;
    ProtocolParser m_parser;
    State m_state = State::AwaitingHello;
    QString m_user;
    QString m_sessionId;
    QString m_token;
    QSet<QString> m_contacts;
    QSet<QString> m_watched;
    qint64 m_lastDeliveredMid = 0; // messages up to here were delivered to (or sent by) this session
    TokenBucket m_requestBucket;
    TokenBucket m_floodBucket;
    bool m_firstFrame = true;
    std::deque<std::function<void()>> m_queue;
    bool m_busy = false;
    bool m_draining = false;
    // Requests run per turn of the event loop before the rest wait for the next: one client's
    // burst (each send a durable write) must not hold up timers and everyone else's frames.
    static constexpr int kRequestsPerTurn = 16;
    int m_turnBudget = kRequestsPerTurn;
    quint64 m_turn = 0; // the loop turn (Gateway::loopTurn) the budget is for
    bool m_turnYielded = false;
    bool m_rosterSent = false;
    bool m_closeHandshake = false;
    bool m_sessionEnded = false;
    QTimer m_authTimer;
};

} // namespace presently
