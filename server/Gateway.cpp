#include "Gateway.h"

#include "ClientConnection.h"
#include "EventBus.h"
#include "PresenceHub.h"
#include "PresenceStore.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

Q_LOGGING_CATEGORY(lcGateway, "presently.gateway")

namespace presently {

Gateway::Gateway(const ServerConfig &config, AccountStore *accounts, MessageStore *messages, PresenceStore *presence,
                 EventBus *bus, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_accounts(accounts)
    , m_messages(messages)
    , m_presence(presence)
    , m_bus(bus)
    , m_hub(new PresenceHub(presence, this))
    , m_server(new QWebSocketServer(QStringLiteral("presently"), QWebSocketServer::NonSecureMode, this))
{
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
    if (!m_server->listen(address, m_config.listenPort)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_config.listenHost)
                     .arg(m_config.listenPort)
                     .arg(m_server->errorString());
        return false;
    }
    return true;
}

quint16 Gateway::port() const
{
    return m_server->serverPort();
}

QString Gateway::listenAddress() const
{
    const QHostAddress address = m_server->serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(m_server->serverPort());
}

void Gateway::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        auto *connection = new ClientConnection(socket, this);
        m_connections.insert(connection);
        connect(connection, &QObject::destroyed, this, [this, connection] { m_connections.remove(connection); });
    }
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
    m_server->close();
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
