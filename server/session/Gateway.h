#pragma once

#include "net/ListenerSettings.h"
#include "session/SessionSettings.h"
#include "protocol/UserPresence.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <functional>

class QSocketNotifier;
class QTcpServer;

namespace presently {

class AccountStore;
class ClientConnection;
class EventBus;
class MessageStore;
class PresenceHub;
class PresenceStore;
class ServerWebSocket;

// Accepts WebSocket connections (our own RFC 6455 transport, ServerWebSocket) and routes store
// and bus events to the sessions they concern.
class Gateway : public QObject {
    Q_OBJECT
public:
    Gateway(const ListenerSettings &listener, const SessionSettings &session, AccountStore *accounts, MessageStore *messages, PresenceStore *presence,
            EventBus *bus, QObject *parent = nullptr);
    ~Gateway() override;

    bool listen(QString *error);
    QString listenAddress() const; // HOST:PORT with the real port
    quint16 port() const;

    // Closes every connection with 1001; `done` runs once they are gone (or after a short wait).
    void shutdown(std::function<void()> done);

    const SessionSettings &settings() const { return m_settings; }
    AccountStore *accounts() const { return m_accounts; }
    MessageStore *messages() const { return m_messages; }
    PresenceStore *presence() const { return m_presence; }
    PresenceHub *hub() const { return m_hub; }
    EventBus *bus() const { return m_bus; }

    // Presence entries as sent now: a live user's last_seen is now.
    QList<UserPresence> visibleNow(QList<UserPresence> users) const;
    // The push of one presence change, as every watcher gets it: built once per fan-out, not
    // once per watcher (a change reaches tens of sessions in one pass).
    QByteArray presenceFrame(const UserPresence &presence);

    void registerSession(ClientConnection *connection);
    void unregisterSession(ClientConnection *connection);

    // Counts the event loop's wake-ups: work shared out per turn of the loop starts afresh when
    // this changes.
    quint64 loopTurn() const { return m_loopTurn; }

private:
    void acceptConnections();
    void onSocketDestroyed();
    void onWebSocketOpened(ServerWebSocket *socket);
    void refuseConnection(ServerWebSocket *socket);
    void onUserEvent(const QString &user, const QJsonObject &event);
    void onSessionExpired(const QString &sessionId);
    void catchUpAll();

    ListenerSettings m_listenerSettings;
    SessionSettings m_settings;
    AccountStore *m_accounts;
    MessageStore *m_messages;
    PresenceStore *m_presence;
    EventBus *m_bus;
    PresenceHub *m_hub;
    QTcpServer *m_listener; // binds and listens; we accept (see acceptConnections)
    QSocketNotifier *m_acceptNotifier = nullptr;
    int m_openSockets = 0; // accepted and not yet destroyed, handshakes included
    bool m_warnedSockets = false;
    QSet<ClientConnection *> m_connections;
    bool m_warnedFull = false;
    QHash<QString, QSet<ClientConnection *>> m_byUser;
    QHash<QString, ClientConnection *> m_bySession;
    UserPresence m_framedPresence; // the last presenceFrame(), as given and when
    qint64 m_framedAtMs = -1;
    quint64 m_loopTurn = 0;
    QByteArray m_presenceFrame;
};

} // namespace presently
