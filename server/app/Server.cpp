#include "app/Server.h"

#include "accounts/AccountStore.h"
#include "events/EmbeddedEventBus.h"
#include "presence/EmbeddedPresenceStore.h"
#include "session/Gateway.h"
#include "messages/MessageStore.h"
#include "events/RedisEventBus.h"
#include "presence/RedisPresenceStore.h"

namespace presently {

Server::Server(const ServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_accounts(std::make_unique<AccountStore>())
    , m_messages(std::make_unique<MessageStore>())
{}

Server::~Server()
{
    delete m_gateway;
}

bool Server::start(QString *error)
{
    if (!m_accounts->open(m_config.databasePath, error) || !m_messages->open(m_config.databasePath, error))
        return false;
    if (m_config.redis) {
        auto *presence = new RedisPresenceStore(*m_config.redis, m_config.serverId, m_config.presenceTtlMs,
                                                m_config.heartbeatIntervalMs, this);
        m_bus = new RedisEventBus(presence->commands(), presence->subscriber(), this);
        m_presence = presence;
    } else {
        m_presence = new EmbeddedPresenceStore(m_config.presenceTtlMs, this);
        m_bus = new EmbeddedEventBus(this);
    }
    m_presence->setStatusLookup([accounts = m_accounts.get()](const QString &user) { return accounts->status(user); });
    m_presence->start();
    ListenerSettings listener;
    listener.host = m_config.listenHost;
    listener.port = m_config.listenPort;
    listener.maxMessageBytes = m_config.limits.maxMessageBytes;
    listener.maxConnections = m_config.maxConnections;
    listener.maxSockets = m_config.maxSockets;
    SessionSettings session;
    session.serverId = m_config.serverId;
    session.heartbeatIntervalMs = m_config.heartbeatIntervalMs;
    session.presenceTtlMs = m_config.presenceTtlMs;
    session.authTimeoutMs = m_config.authTimeoutMs;
    session.limits = m_config.limits;
    m_gateway = new Gateway(listener, session, m_accounts.get(), m_messages.get(), m_presence, m_bus, this);
    return m_gateway->listen(error);
}

QString Server::listenAddress() const
{
    return m_gateway ? m_gateway->listenAddress() : QString();
}

void Server::shutdown()
{
    if (!m_gateway) {
        Q_EMIT stopped();
        return;
    }
    m_gateway->shutdown([this] { Q_EMIT stopped(); });
}

} // namespace presently
