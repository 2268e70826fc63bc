#pragma once

#include "net/ListenerSettings.h"
#include "net/MessageChannel.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>
#include <functional>
#include <memory>

class QSocketNotifier;
class QTcpServer;

namespace presently {

class ServerWebSocket;
class TlsContext;

// Accepts TCP connections and runs their WebSocket handshakes (our own RFC 6455 transport,
// ServerWebSocket), within a budget of open files: accepting pauses at `maxSockets`, a handshake
// must finish within its deadline, and a connection over `maxConnections` is told 4003 (full).
// With a TLS context it serves wss://, at most `maxTlsHandshakes` TLS handshakes at once: each
// costs a key exchange and a signature, so one pass of the loop does a bounded amount of them.
// At that cap accepting waits, and handshakes older than a second give way (see evictSlowHandshakes).
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
    // wss:// from now on with this certificate (null: ws://). Connections already made keep
    // theirs: a new certificate (SIGHUP) never drops anyone.
    void setTlsContext(std::shared_ptr<const TlsContext> tls);
    // Who holds the connections ("top users: …; top addresses: …"), said once when full.
    void setLoadReport(std::function<QString()> report) { m_loadReport = std::move(report); }

Q_SIGNALS:
    // Admitted: the receiver takes ownership of `channel` (a ServerWebSocket).
    void channelOpened(presently::MessageChannel *channel);

private:
    void acceptConnections();
    void onSocketDestroyed(QObject *socket);
    void onHandshakeDone(ServerWebSocket *socket);
    // Closes a connection just opened with `code` (full, or too many from its address).
    void refuse(ServerWebSocket *socket, quint16 code, const QString &reason);
    bool admitFromAddress(ServerWebSocket *socket);
    bool mayAccept() const;
    void resumeAccepting();
    void pauseAccepting();
    void handshakeEnded(QObject *socket);
    // At the cap: idle sockets must not hold every slot (and wss:// shut) for the whole handshake
    // deadline. A real client's handshake takes a few round trips.
    void evictSlowHandshakes();

    ListenerSettings m_settings;
    std::function<int()> m_connectionCount;
    std::function<QString()> m_loadReport;
    QTcpServer *m_server; // binds and listens; we accept (see acceptConnections)
    QSocketNotifier *m_acceptNotifier = nullptr;
    std::shared_ptr<const TlsContext> m_tls;
    QHash<QByteArray, int> m_connectionsPerAddress; // admitted, by ClientAddress::key
    QHash<QObject *, qint64> m_tlsHandshakes;       // socket -> when accepted (m_clock), handshake in progress
    QElapsedTimer m_clock;
    QTimer m_evictTimer;
    int m_openSockets = 0; // accepted and not yet destroyed, handshakes included
    bool m_warnedSockets = false;
    bool m_warnedFull = false;
};

} // namespace presently
