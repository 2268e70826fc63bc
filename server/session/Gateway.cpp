#include "session/Gateway.h"

#include "session/ClientConnection.h"
#include "events/EventBus.h"
#include "presence/PresenceHub.h"
#include "presence/PresenceStore.h"
#include "protocol/Protocol.h"
#include "protocol/ServerMessages.h"

#include "net/ServerWebSocket.h"
#include "net/SocketIo.h"

#include <QAbstractEventDispatcher>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTimer>

Q_LOGGING_CATEGORY(lcGateway, "presently.gateway")

namespace presently {

namespace {
constexpr int kAcceptRetryMs = 100;
constexpr int kRefuseDelayMs = 20;
constexpr int kHandshakeTimeoutMs = 10000;
} // namespace

Gateway::Gateway(const ListenerSettings &listener, const SessionSettings &session, AccountStore *accounts, MessageStore *messages, PresenceStore *presence,
                 EventBus *bus, QObject *parent)
    : QObject(parent)
    , m_listenerSettings(listener)
    , m_settings(session)
    , m_accounts(accounts)
    , m_messages(messages)
    , m_presence(presence)
    , m_bus(bus)
    , m_hub(new PresenceHub(presence, this))
    , m_listener(new QTcpServer(this))
{
    connect(m_bus, &EventBus::eventReceived, this, &Gateway::onUserEvent);
    connect(m_presence, &PresenceStore::sessionExpired, this, &Gateway::onSessionExpired);
    connect(m_bus, &EventBus::eventsMayHaveBeenLost, this, &Gateway::catchUpAll);
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(thread()))
        connect(dispatcher, &QAbstractEventDispatcher::awake, this, [this] { ++m_loopTurn; });
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
    if (m_listenerSettings.host == QLatin1String("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(m_listenerSettings.host)) {
        *error = QStringLiteral("--listen host must be an IP address or localhost: %1").arg(m_listenerSettings.host);
        return false;
    }
    if (!m_listener->listen(address, m_listenerSettings.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_listenerSettings.host)
                     .arg(m_listenerSettings.port)
                     .arg(m_listener->errorString());
        return false;
    }
    // QTcpServer only listens: we accept ourselves, one descriptor at a time, so that every socket
    // is counted, handshakes included, and accepting pauses before the process runs out of files
    // (where Qt's accept loop would spin on EMFILE). No QTcpSocket is made for a session.
    m_listener->pauseAccepting();
    m_acceptNotifier = new QSocketNotifier(m_listener->socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &Gateway::acceptConnections);
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

void Gateway::acceptConnections()
{
    const qintptr listener = m_listener->socketDescriptor();
    while (m_listenerSettings.maxSockets < 0 || m_openSockets < m_listenerSettings.maxSockets) {
        SocketIo::AcceptStatus status;
        const qintptr descriptor = SocketIo::accept(listener, &status);
        if (status == SocketIo::AcceptStatus::WouldBlock)
            return;
        if (status != SocketIo::AcceptStatus::Accepted) {
            // Out of files (EMFILE) and the like: try again shortly, when refused or closed
            // connections have given files back.
            qCWarning(lcGateway) << "cannot accept a connection:"
                                 << (status == SocketIo::AcceptStatus::OutOfFiles ? "out of files" : "error")
                                 << "- retrying in" << kAcceptRetryMs << "ms";
            m_acceptNotifier->setEnabled(false);
            QTimer::singleShot(kAcceptRetryMs, m_acceptNotifier,
                               [notifier = m_acceptNotifier] { notifier->setEnabled(true); });
            return;
        }
        ++m_openSockets;
        auto *socket = new ServerWebSocket(descriptor, m_listenerSettings.maxMessageBytes, this);
        connect(socket, &QObject::destroyed, this, &Gateway::onSocketDestroyed);
        connect(socket, &ServerWebSocket::opened, this, [this, socket] { onWebSocketOpened(socket); });
        connect(socket, &ServerWebSocket::disconnected, this, [this, socket] {
            if (socket->parent() == this) // not taken by a ClientConnection (handshake, refused)
                socket->deleteLater();
        });
        QTimer::singleShot(kHandshakeTimeoutMs, socket, [socket] {
            if (socket->state() == ServerWebSocket::State::Handshaking)
                socket->abort();
        });
    }
    // At the limit: connections wait in the kernel's backlog until some socket closes.
    m_acceptNotifier->setEnabled(false);
    if (!m_warnedSockets) {
        qCWarning(lcGateway) << m_openSockets << "sockets open, the most this process can hold; new connections"
                             << "wait until some close";
        m_warnedSockets = true;
    }
}

void Gateway::onSocketDestroyed()
{
    --m_openSockets;
    m_warnedSockets = false;
    if (m_acceptNotifier && !m_acceptNotifier->isEnabled())
        m_acceptNotifier->setEnabled(true);
}

void Gateway::onWebSocketOpened(ServerWebSocket *socket)
{
    if (m_listenerSettings.maxConnections >= 0 && m_connections.size() >= m_listenerSettings.maxConnections) {
        refuseConnection(socket);
        return;
    }
    auto *connection = new ClientConnection(socket, this);
    m_connections.insert(connection);
    connect(connection, &QObject::destroyed, this, [this, connection] {
        m_connections.remove(connection);
        m_warnedFull = false;
    });
}

void Gateway::refuseConnection(ServerWebSocket *socket)
{
    // Full: say so with a close the client understands (back off, retry) rather than leave it
    // waiting. The files reserved below the limit pay for these short-lived sockets.
    if (!m_warnedFull) {
        qCWarning(lcGateway) << "holding" << m_connections.size() << "connections, the most this process can; refusing"
                             << "more with 4003 until some close";
        m_warnedFull = true;
    }
    // A close frame in the same segment as the handshake response is misread by some clients
    // (Qt 6.4's own reports 1002): send it a moment later.
    QTimer::singleShot(kRefuseDelayMs, socket, [socket] {
        socket->close(CloseCode::TryAgainLater, QStringLiteral("server full, try again later"));
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
    delete m_acceptNotifier; // before its descriptor closes
    m_acceptNotifier = nullptr;
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
