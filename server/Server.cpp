#include "Server.h"

#include "AccountStore.h"
#include "EmbeddedEventBus.h"
#include "EmbeddedPresenceStore.h"
#include "Gateway.h"
#include "MessageStore.h"
#include "RedisEventBus.h"
#include "RedisPresenceStore.h"

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
    m_gateway = new Gateway(m_config, m_accounts.get(), m_messages.get(), m_presence, m_bus, this);
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
