#pragma once

#include "ServerConfig.h"
#include "UserPresence.h"

#include <QAbstractSocket>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <utility>

class QTcpServer;
class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace presently {

class AccountStore;
class ClientConnection;
class EventBus;
class MessageStore;
class PresenceHub;
class PresenceStore;

// Accepts WebSocket connections and routes store and bus events to the sessions they concern.
class Gateway : public QObject {
    Q_OBJECT
public:
    Gateway(const ServerConfig &config, AccountStore *accounts, MessageStore *messages, PresenceStore *presence,
            EventBus *bus, QObject *parent = nullptr);
    ~Gateway() override;

    bool listen(QString *error);
    QString listenAddress() const; // HOST:PORT with the real port
    quint16 port() const;

    // Closes every connection with 1001; `done` runs once they are gone (or after a short wait).
    void shutdown(std::function<void()> done);

    const ServerConfig &config() const { return m_config; }
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

private:
    void onNewTcpConnection();
    void onNewConnection();
    void refuseConnection(QWebSocket *socket);
    void onAcceptError(QAbstractSocket::SocketError error);
    void onUserEvent(const QString &user, const QJsonObject &event);
    void onSessionExpired(const QString &sessionId);
    void catchUpAll();

    ServerConfig m_config;
    AccountStore *m_accounts;
    MessageStore *m_messages;
    PresenceStore *m_presence;
    EventBus *m_bus;
    PresenceHub *m_hub;
    QTcpServer *m_listener;
    QWebSocketServer *m_server;
    int m_openSockets = 0; // accepted and not yet destroyed, handshakes included
    // Accepted sockets by peer, until their WebSocket exists: the socket is deleted after it.
    QHash<std::pair<QHostAddress, quint16>, QPointer<QTcpSocket>> m_upgrading;
    bool m_warnedSockets = false;
    QSet<ClientConnection *> m_connections;
    bool m_warnedFull = false;
    QHash<QString, QSet<ClientConnection *>> m_byUser;
    QHash<QString, ClientConnection *> m_bySession;
    UserPresence m_framedPresence; // the last presenceFrame(), as given and when
    qint64 m_framedAtMs = -1;
    QByteArray m_presenceFrame;
};

} // namespace presently
