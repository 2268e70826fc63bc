#include "app/Server.h"

#include "accounts/AccountStore.h"
#include "events/EmbeddedEventBus.h"
#include "events/RedisEventBus.h"
#include "messages/MessageStore.h"
#include "net/Listener.h"
#include "presence/EmbeddedPresenceStore.h"
#include "presence/PresenceHub.h"
#include "presence/RedisPresenceStore.h"
#include "redis/RedisLink.h"
#include "session/SessionRegistry.h"
#include "sql/SqlThread.h"

namespace presently {

Server::Server(const ServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_accounts(std::make_unique<AccountStore>())
    , m_messages(std::make_unique<MessageStore>())
{}

Server::~Server()
{
    // Sessions first: they unwatch the hub and use the stores as they go.
    delete m_listener;
    delete m_sessions;
    m_messages->commitOn(nullptr, nullptr); // what is still gathered commits here, as it goes
    if (m_sqlThread) {                      // after the jobs posted so far, on the thread that made them
        m_sqlThread->runAndWait([this] {
            m_sqlThreadAccounts.reset();
            m_sqlThreadMessages.reset();
        });
    }
}

bool Server::start(QString *error)
{
    if (!m_accounts->open(m_config.databasePath, error) || !m_messages->open(m_config.databasePath, error))
        return false;
    m_sqlThread = new SqlThread(this);
    bool opened = false;
    m_sqlThread->runAndWait([this, &opened, error] {
        m_sqlThreadAccounts = std::make_unique<AccountStore>();
        m_sqlThreadMessages = std::make_unique<MessageStore>();
        opened = m_sqlThreadAccounts->open(m_config.databasePath, error) &&
                 m_sqlThreadMessages->open(m_config.databasePath, error);
    });
    if (!opened)
        return false;
    m_messages->commitOn(m_sqlThread, m_sqlThreadMessages.get());
    if (m_config.redis) {
        m_redis = new RedisLink(*m_config.redis, this);
        m_presence = new RedisPresenceStore(m_redis, m_config.serverId, m_config.presenceTtlMs,
                                            m_config.heartbeatIntervalMs, this);
        m_bus = new RedisEventBus(m_redis, this);
    } else {
        m_presence = new EmbeddedPresenceStore(m_config.presenceTtlMs, this);
        m_bus = new EmbeddedEventBus(this);
    }
    m_presence->setStatusLookup([accounts = m_accounts.get()](const QString &user) {
        // Re-asserting after a Redis outage: if SQL fails too, the default mode (logged by the store).
        const StoreResult<StoredStatus> status = accounts->status(user);
        return status ? *status : StoredStatus{};
    });
    m_presence->start();
    m_hub = new PresenceHub(m_presence, this);

    SessionSettings session;
    session.serverId = m_config.serverId;
    session.heartbeatIntervalMs = m_config.heartbeatIntervalMs;
    session.presenceTtlMs = m_config.presenceTtlMs;
    session.authTimeoutMs = m_config.authTimeoutMs;
    session.limits = m_config.limits;
    m_sessions = new SessionRegistry({m_accounts.get(), m_messages.get(), m_presence, m_hub, m_bus, m_sqlThread,
                                      m_sqlThreadAccounts.get(), m_sqlThreadMessages.get()},
                                     session, this);

    ListenerSettings listener;
    listener.host = m_config.listenHost;
    listener.port = m_config.listenPort;
    listener.maxMessageBytes = m_config.limits.maxMessageBytes;
    listener.maxConnections = m_config.maxConnections;
    listener.maxSockets = m_config.maxSockets;
    m_listener = new Listener(
        listener, [sessions = m_sessions] { return sessions->connectionCount(); }, this);
    connect(m_listener, &Listener::channelOpened, m_sessions, &SessionRegistry::adopt);
    return m_listener->listen(error);
}

QString Server::listenAddress() const
{
    return m_listener ? m_listener->listenAddress() : QString();
}

void Server::shutdown()
{
    if (!m_sessions) {
        Q_EMIT stopped();
        return;
    }
    m_listener->close();
    m_sessions->shutdown([this] { Q_EMIT stopped(); });
}

} // namespace presently
