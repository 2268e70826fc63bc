#pragma once

#include "net/ListenerSettings.h"
#include "net/MessageChannel.h"

#include <QObject>
#include <functional>

class QSocketNotifier;
class QTcpServer;

namespace presently {

class ServerWebSocket;

// Accepts TCP connections and runs their WebSocket handshakes (our own RFC 6455 transport,
// ServerWebSocket), within a budget of open files: accepting pauses at `maxSockets`, a handshake
// must finish within its deadline, and a connection over `maxConnections` is told 4003 (full).
// Each connection that is admitted is handed on by channelOpened().
class Listener : public QObject {
    Q_OBJECT
public:
    // `connectionCount` says how many connections are held now (admitted, not yet gone).
    Listener(const ListenerSettings &settings, std::function<int()> connectionCount, QObject *parent = nullptr);
    ~Listener() override;

    bool listen(QString *error);
    QString listenAddress() const; // HOST:PORT with the real port
    quint16 port() const;
    // Stops accepting; connections held go on.
    void close();

Q_SIGNALS:
    // Admitted: the receiver takes ownership of `channel` (a ServerWebSocket).
    void channelOpened(presently::MessageChannel *channel);

private:
    void acceptConnections();
    void onSocketDestroyed();
    void onHandshakeDone(ServerWebSocket *socket);
    void refuse(ServerWebSocket *socket);

    ListenerSettings m_settings;
    std::function<int()> m_connectionCount;
    QTcpServer *m_server; // binds and listens; we accept (see acceptConnections)
    QSocketNotifier *m_acceptNotifier = nullptr;
    int m_openSockets = 0; // accepted and not yet destroyed, handshakes included
    bool m_warnedSockets = false;
    bool m_warnedFull = false;
};

} // namespace presently
