#include "Gateway.h"

#include "ClientConnection.h"
#include "EventBus.h"
#include "PresenceHub.h"
#include "PresenceStore.h"
#include "Protocol.h"
#include "ServerMessages.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

Q_LOGGING_CATEGORY(lcGateway, "presently.gateway")

namespace presently {

namespace {
constexpr int kAcceptRetryMs = 100;
constexpr int kRefuseDelayMs = 20;
} // namespace

Gateway::Gateway(const ServerConfig &config, AccountStore *accounts, MessageStore *messages, PresenceStore *presence,
                 EventBus *bus, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_accounts(accounts)
    , m_messages(messages)
    , m_presence(presence)
    , m_bus(bus)
    , m_hub(new PresenceHub(presence, this))
    , m_listener(new QTcpServer(this))
    , m_server(new QWebSocketServer(QStringLiteral("presently"), QWebSocketServer::NonSecureMode, this))
{
    // We accept TCP ourselves and hand sockets to the WebSocket server, so that every socket is
    // counted, handshakes in progress included: accepting pauses before the process runs out of
    // files (at which point Qt's accept loop would spin on EMFILE).
    m_listener->setMaxPendingConnections(1);
    connect(m_listener, &QTcpServer::newConnection, this, &Gateway::onNewTcpConnection);
    connect(m_listener, &QTcpServer::acceptError, this, &Gateway::onAcceptError);
    connect(m_server, &QWebSocketServer::newConnection, this, &Gateway::onNewConnection);
    connect(m_bus, &EventBus::eventReceived, this, &Gateway::onUserEvent);
    connect(m_presence, &PresenceStore::sessionExpired, this, &Gateway::onSessionExpired);
    connect(m_bus, &EventBus::eventsMayHaveBeenLost, this, &Gateway::catchUpAll);
}

void Gateway::catchUpAll()
{
    // The bus lost its connection: whatever it carried meanwhile is in SQL. Catch every session up.
    const QJsonObject catchUp{{QStringLiteral("kind"), QStringLiteral("message")},
                              {QStringLiteral("mid"), 9007199254740992.0 /* 2^53: every mid */}};
    for (auto it = m_byUser.cbegin(); it != m_byUser.cend(); ++it) {
        for (ClientConnection *connection : it.value())
            connection->handleUserEvent(catchUp);
    }
    // Contact changes may have been missed too.
    const QJsonObject contacts{{QStringLiteral("kind"), QStringLiteral("contacts")}};
    for (auto it = m_byUser.cbegin(); it != m_byUser.cend(); ++it) {
        for (ClientConnection *connection : it.value())
            connection->handleUserEvent(contacts);
    }
}

Gateway::~Gateway()
{
    // Connections unwatch the hub when they go: delete them while it still exists.
    const QSet<ClientConnection *> connections = m_connections;
    m_connections.clear();
    qDeleteAll(connections);
}

bool Gateway::listen(QString *error)
{
    QHostAddress address;
    if (m_config.listenHost == QLatin1String("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(m_config.listenHost)) {
        *error = QStringLiteral("--listen host must be an IP address or localhost: %1").arg(m_config.listenHost);
        return false;
    }
    if (!m_listener->listen(address, m_config.listenPort)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_config.listenHost)
                     .arg(m_config.listenPort)
                     .arg(m_listener->errorString());
        return false;
    }
    return true;
}

quint16 Gateway::port() const
{
    return m_listener->serverPort();
}

QString Gateway::listenAddress() const
{
    const QHostAddress address = m_listener->serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(m_listener->serverPort());
}

void Gateway::onNewTcpConnection()
{
    while (m_config.maxSockets < 0 || m_openSockets < m_config.maxSockets) {
        QTcpSocket *socket = m_listener->nextPendingConnection();
        if (!socket)
            return;
        ++m_openSockets;
        const std::pair<QHostAddress, quint16> peer{socket->peerAddress(), socket->peerPort()};
        m_upgrading.insert(peer, socket);
        // Counted down by a child of the socket, not by its own destroyed(): upgrading the socket
        // to a WebSocket disconnects every connection to its signals.
        auto *lifetime = new QObject(socket);
        connect(lifetime, &QObject::destroyed, this, [this, peer] {
            if (const auto it = m_upgrading.constFind(peer); it != m_upgrading.cend() && it->isNull())
                m_upgrading.erase(it);
            --m_openSockets;
            m_warnedSockets = false;
            if (m_listener->hasPendingConnections())
                QTimer::singleShot(0, this, &Gateway::onNewTcpConnection);
        });
        m_server->handleConnection(socket);
    }
    // At the limit: the connection stays queued in QTcpServer, which then stops accepting (with
    // one pending and at most one allowed) until we take it. Pausing would not hold: taking a
    // pending connection re-enables accepting, and Qt retries EMFILE without end.
    if (!m_warnedSockets && m_listener->hasPendingConnections()) {
        qCWarning(lcGateway) << m_openSockets << "sockets open, the most this process can hold; new connections"
                             << "wait until some close";
        m_warnedSockets = true;
    }
}

void Gateway::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        // Qt 6.4's QWebSocket neither owns nor deletes the socket it was upgraded from: it would
        // stay, a child of the listener, for the life of the process. Delete it after its
        // WebSocket (the context drops this if some Qt version deletes it first).
        if (const QPointer<QTcpSocket> tcp = m_upgrading.take({socket->peerAddress(), socket->peerPort()}))
            connect(socket, &QObject::destroyed, tcp.data(), &QObject::deleteLater);
        if (m_config.maxConnections >= 0 && m_connections.size() >= m_config.maxConnections) {
            refuseConnection(socket);
            continue;
        }
        auto *connection = new ClientConnection(socket, this);
        m_connections.insert(connection);
        connect(connection, &QObject::destroyed, this, [this, connection] {
            m_connections.remove(connection);
            m_warnedFull = false;
        });
    }
}

void Gateway::refuseConnection(QWebSocket *socket)
{
    // Full: say so with a close the client understands (back off, retry) rather than leave it
    // waiting. The files reserved below the limit pay for these short-lived sockets.
    if (!m_warnedFull) {
        qCWarning(lcGateway) << "holding" << m_connections.size() << "connections, the most this process can; refusing"
                             << "more with 4003 until some close";
        m_warnedFull = true;
    }
    socket->setParent(this);
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    // A close frame in the same segment as the handshake response is misread by some clients
    // (Qt 6.4's own reports 1002): send it a moment later.
    QTimer::singleShot(kRefuseDelayMs, socket, [socket] {
        socket->close(static_cast<QWebSocketProtocol::CloseCode>(CloseCode::TryAgainLater),
                      QStringLiteral("server full, try again later"));
    });
    QTimer::singleShot(1000, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
}

void Gateway::onAcceptError(QAbstractSocket::SocketError error)
{
    // Out of files (EMFILE) and the like: Qt pauses accepting for good. Try again shortly, when
    // refused or closed connections have given files back.
    qCWarning(lcGateway) << "cannot accept a connection:" << error << m_listener->errorString() << "- retrying in"
                         << kAcceptRetryMs << "ms";
    QTimer::singleShot(kAcceptRetryMs, this, [this] {
        if (m_listener->isListening())
            m_listener->resumeAccepting();
    });
}

QList<UserPresence> Gateway::visibleNow(QList<UserPresence> users) const
{
    // While a user is live, last_seen is the time this entry is made.
    const qint64 now = m_presence->nowMs();
    for (UserPresence &p : users) {
        if (p.status == Status::Online || p.status == Status::Idle || p.status == Status::Dnd)
            p.lastSeen = now;
    }
    return users;
}

QByteArray Gateway::presenceFrame(const UserPresence &presence)
{
    const qint64 now = m_presence->nowMs();
    if (now != m_framedAtMs || !(presence == m_framedPresence)) {
        m_presenceFrame = ServerMessages::toFrame(ServerMessages::presence(visibleNow({presence})));
        m_framedPresence = presence;
        m_framedAtMs = now;
    }
    return m_presenceFrame;
}

void Gateway::registerSession(ClientConnection *connection)
{
    QSet<ClientConnection *> &sessions = m_byUser[connection->user()];
    if (sessions.isEmpty())
        m_bus->listen(connection->user());
    sessions.insert(connection);
    m_bySession.insert(connection->sessionId(), connection);
}

void Gateway::unregisterSession(ClientConnection *connection)
{
    if (connection->sessionId().isEmpty())
        return;
    m_bySession.remove(connection->sessionId());
    const auto it = m_byUser.find(connection->user());
    if (it == m_byUser.end())
        return;
    it->remove(connection);
    if (it->isEmpty()) {
        m_byUser.erase(it);
        m_bus->unlisten(connection->user());
    }
}

void Gateway::onUserEvent(const QString &user, const QJsonObject &event)
{
    const QSet<ClientConnection *> sessions = m_byUser.value(user);
    for (ClientConnection *connection : sessions)
        connection->handleUserEvent(event);
}

void Gateway::onSessionExpired(const QString &sessionId)
{
    if (ClientConnection *connection = m_bySession.value(sessionId))
        connection->expire();
}

void Gateway::shutdown(std::function<void()> done)
{
    m_listener->close();
    m_presence->detachAll();
    const QSet<ClientConnection *> connections = m_connections;
    for (ClientConnection *connection : connections)
        connection->goAway();
    // Give close frames a moment to go out; clients that do not answer are not waited for.
    auto *timer = new QTimer(this);
    timer->setInterval(20);
    auto started = std::make_shared<qint64>(0);
    connect(timer, &QTimer::timeout, this, [this, timer, started, done = std::move(done)] {
        *started += timer->interval();
        if (m_connections.isEmpty() || *started >= 1000) {
            timer->stop();
            timer->deleteLater();
            done();
        }
    });
    timer->start();
}

} // namespace presently
