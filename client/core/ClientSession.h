#pragma once

#include "protocol/ChatMessage.h"
#include "protocol/ClientMessage.h"
#include "protocol/ServerMessage.h"
#include "core/ContactListModel.h"
#include "core/ConversationModel.h"
#include "core/Outbox.h"
#include "core/ReconnectBackoff.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <functional>
#include <optional>

namespace presently {

// Everything the app does over the wire, with no widgets: sign-in, heartbeats, the dead
// connection watchdog, reconnects with backoff, sync, the on-disk outbox, and the models the
// windows show. Widgets talk to the models and to this object, never to the socket.
class ClientSession : public QObject {
    Q_OBJECT
public:
    enum class State { SignedOut, Connecting, SigningIn, Connected, WaitingToReconnect };
    Q_ENUM(State)

    explicit ClientSession(const QString &dataDirectory, QObject *parent = nullptr);
    ~ClientSession() override;

    void setDevice(const QString &device) { m_device = device; }
    void signIn(const QUrl &server, const QString &user, const QString &password, bool createAccount);
    void resume(const QUrl &server, const QString &user, const QString &token);
    // Ends the session cleanly (`bye`, or `logout` which also revokes the token).
    void signOut(bool logout = false);

    State state() const { return m_state; }
    const QString &user() const { return m_user; }
    const QString &token() const { return m_token; }
    const QUrl &server() const { return m_server; }
    int msUntilReconnect() const;

    ContactListModel *contacts() const { return m_contacts; }
    const QStringList &requests() const { return m_requests; }
    const QStringList &pending() const { return m_pending; }
    ConversationModel *conversation(const QString &peer);

    Status ownStatus() const { return m_ownStatus; }
    Mode ownMode() const { return m_ownMode; }
    const QString &ownText() const { return m_ownText; }
    Activity activity() const { return m_activity; }

    void setActivity(Activity activity);
    void setStatus(std::optional<Mode> mode, std::optional<QString> text);
    QString sendMessage(const QString &to, const QString &body);
    void loadOlder(const QString &peer);
    void markRead(const QString &peer);
    void setTyping(const QString &to, bool typing);
    void setVisibleConversation(const QString &peer) { m_visiblePeer = peer; }
    void addContact(const QString &user);
    void acceptContact(const QString &user);
    void removeContact(const QString &user);

    // The network vanished under us (tests; the OS's sleep hook).
    void dropConnection();

Q_SIGNALS:
    void stateChanged(presently::ClientSession::State state);
    void signedIn(const QString &user);
    void signInFailed(presently::ErrorCode code, const QString &message);
    void rosterChanged();
    void contactRequestReceived(const QString &from);
    void messageReceived(const presently::ChatMessage &message);
    void typingChanged(const QString &peer, bool typing);
    void ownStatusChanged();
    void errorReceived(presently::ErrorCode code, const QString &message);

private:
    using ReplyHandler = std::function<void(const ServerMessage &)>;

    void connectNow();
    void setState(State state);
    void sendFrame(const ClientMessage &message);
    void request(ClientMessage message, ReplyHandler handler);
    void onConnected();
    void onDisconnected();
    void onText(const QString &text);
    void onWelcome(const WelcomeInfo &welcome);
    void queryOwnPresence();
    void onContacts(const ServerMessage &contacts);
    void onPresence(const UserPresence &presence);
    void onMessage(const ChatMessage &message);
    void onSent(const ServerMessage &sent);
    void onRead(const ServerMessage &read);
    void onTyping(const QString &from, bool state);
    void syncFrom(qint64 after);
    void resendOutbox();
    void heartbeatTick();
    void scheduleReconnect(int delayMs);

    QString m_dataDirectory;
    QWebSocket m_socket;
    State m_state = State::SignedOut;
    QUrl m_server;
    QString m_user;
    QString m_password; // only until the first welcome
    QString m_token;
    QString m_device = QStringLiteral("desktop");
    bool m_createAccount = false;
    bool m_wanted = false; // the user wants to be signed in
    Activity m_activity = Activity::Active;
    Status m_ownStatus = Status::Offline;
    Mode m_ownMode = Mode::Auto;
    QString m_ownText;
    int m_heartbeatMs = 10000;
    QTimer m_heartbeat;
    QTimer m_reconnect;
    QElapsedTimer m_reconnectClock;
    QElapsedTimer m_sinceAck;
    ReconnectBackoff m_backoff;
    std::unique_ptr<Outbox> m_outbox;
    QString m_outboxUser;
    ContactListModel *m_contacts;
    QHash<QString, ConversationModel *> m_conversations;
    QHash<QString, qint64> m_readMids; // own read mark per peer
    QHash<QString, QTimer *> m_typingTimers;
    QStringList m_requests;
    QStringList m_pending;
    QString m_visiblePeer;
    int m_nextId = 1;
    QHash<int, ReplyHandler> m_replies;
    QTimer m_flush;
};

} // namespace presently
