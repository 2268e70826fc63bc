#include "app/Server.h"

#include "accounts/AccountStore.h"
#include "app/HealthEndpoints.h"
#include "app/Readiness.h"
#include "base/Clock.h"
#include "events/EmbeddedEventBus.h"
#include "events/RedisEventBus.h"
#include "messages/MessageStore.h"
#include "metrics/LoopLagProbe.h"
#include "metrics/Metrics.h"
#include "net/AdminHttpServer.h"
#include "net/Listener.h"
#include "net/TlsContext.h"
#include "presence/EmbeddedPresenceStore.h"
#include "presence/PresenceHub.h"
#include "presence/RedisPresenceStore.h"
#include "redis/RedisLink.h"
#include "session/SessionRegistry.h"
#include "sql/SqlRetry.h"
#include "sql/WalCheckpointer.h"
#include "storage/StoreThread.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QThread>
#include <QTimer>
#include <utility>

Q_LOGGING_CATEGORY(lcServer, "presently.server")

namespace presently {

namespace {
// Often, so each round copies little: a round's writes and fsync of the database file made the
// next commits wait for the file system (100-150 ms tails at one round a second, 13-50 ms at
// 200 ms; bench/scenarios/changes.sh). The WAL is cut back once it has all been copied.
constexpr int kCheckpointIntervalMs = 250;
// Tokens past their lifetime, and messages past the retention, go this often (and at start).
constexpr int kHousekeepingIntervalMs = 3600 * 1000;
// Messages removed per commit window: a large first clean-up does not hold up others' writes.
constexpr int kPruneBatch = 5000;
} // namespace

Server::Server(const ServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{}

Server::~Server()
{
    // Sessions first: they unwatch the hub and use the stores as they go.
    delete m_listener;
    delete m_sessions;
    delete std::exchange(m_writes, nullptr); // commits what is gathered
    delete std::exchange(m_reads, nullptr);
    delete std::exchange(m_checkpointer, nullptr);
}

bool Server::start(QString *error)
{
    std::shared_ptr<const TlsContext> tls;
    if (isTls()) { // first: a bad certificate is said before anything is opened
        tls = TlsContext::load(m_config.tlsCertificatePath, m_config.tlsKeyPath, error);
        if (!tls)
            return false;
        qCInfo(lcServer).noquote() << "wss:// with" << tls->summary();
    }
    // No statement runs on this thread from now on (fatal when the tests ask for it).
    SqlRetry::forbidThread(QThread::currentThread(), qEnvironmentVariableIsSet("PRESENTLY_FATAL_LOOP_SQL"));
    // The writer first: it brings the schema up to date.
    m_writes = new StoreThread(QStringLiteral("sql-writes"), this);
    m_reads = new StoreThread(QStringLiteral("sql-reads"), this);
    if (!m_writes->open(m_config.database, StoreThread::Use::Writes, error) ||
        !m_reads->open(m_config.database, StoreThread::Use::Reads, error))
        return false;
    if (!m_config.database.isPostgres()) { // (PostgreSQL checkpoints by itself)
        m_checkpointer = new WalCheckpointer(kCheckpointIntervalMs, this);
        if (!m_checkpointer->open(m_config.database.path, error))
            return false;
    }
    qCInfo(lcServer).noquote() << "database" << m_config.database.describe();
    if (m_config.redis && !RedisLink::checkCredentials(*m_config.redis, error))
        return false; // a wrong password is a start-up error, not an endless reconnect loop
    if (m_config.redis) {
        m_redis = new RedisLink(*m_config.redis, this);
        m_presence = new RedisPresenceStore(m_redis, m_config.serverId, m_config.presenceTtlMs,
                                            m_config.heartbeatIntervalMs, this);
        m_bus = new RedisEventBus(m_redis, this);
    } else {
        m_presence = new EmbeddedPresenceStore(m_config.presenceTtlMs, this);
        m_bus = new EmbeddedEventBus(this);
    }
    m_presence->setStatusLookup([this](const QStringList &users, auto done) {
        // Re-asserting after a Redis outage: if SQL fails too, the default mode (logged by the store).
        if (!m_reads)
            return; // shutting down
        m_reads->read<PresenceStore::Statuses>(
            m_presence,
            [users](AccountStore *accounts, MessageStore *) {
                PresenceStore::Statuses statuses;
                for (const QString &user : users) {
                    const StoreResult<StoredStatus> status = accounts->status(user);
                    if (status)
                        statuses.insert(user, *status);
                }
                return statuses;
            },
            done);
    });
    m_presence->start();
    m_hub = new PresenceHub(m_presence, this);

    SessionSettings session;
    session.serverId = m_config.serverId;
    session.heartbeatIntervalMs = m_config.heartbeatIntervalMs;
    session.presenceTtlMs = m_config.presenceTtlMs;
    session.authTimeoutMs = m_config.authTimeoutMs;
    session.maxSessionsPerUser = m_config.maxSessionsPerUser;
    session.registration = m_config.registration;
    session.maxWaitingRequests = m_config.maxWaitingRequests;
    session.dailyMessagesPerUser = m_config.dailyMessagesPerUser;
    session.dailyMessageBytesPerUser = qint64(m_config.dailyMessageMbPerUser) * 1024 * 1024;
    // The free space check is for a file here; a PostgreSQL server watches its own disk.
    if (!m_config.database.isPostgres())
        session.storagePath = QFileInfo(m_config.database.path).absolutePath();
    session.minFreeDiskBytes = qint64(m_config.minFreeDiskMb) * 1024 * 1024;
    session.signInThrottle.freeFailuresPerAccount = m_config.failedSignInsPerAccount;
    session.signInThrottle.freeFailuresPerAddress = m_config.failedSignInsPerAddress;
    session.signInThrottle.maxWaitMs = qint64(m_config.signInMaxWaitS) * 1000;
    session.signInThrottle.checksInFlightPerAddress = m_config.passwordChecksPerAddress;
    session.signInThrottle.registrationsPerAddressPerHour = m_config.registrationsPerAddressPerHour;
    session.limits = m_config.limits;
    m_sessions = new SessionRegistry({m_reads, m_writes, m_presence, m_hub, m_bus}, session, this);
    m_readiness = new Readiness(m_presence, m_reads, m_writes, this);
    m_health = std::make_unique<HealthEndpoints>(*m_readiness);
    new LoopLagProbe(this);
    exposeGauges();

    ListenerSettings listener;
    listener.host = m_config.listenHost;
    listener.port = m_config.listenPort;
    listener.maxMessageBytes = m_config.limits.maxMessageBytes;
    listener.maxConnections = m_config.maxConnections;
    listener.maxSockets = m_config.maxSockets;
    listener.allowedOrigins = m_config.allowedOrigins;
    listener.maxTlsHandshakes = m_config.maxTlsHandshakes;
    listener.trustedProxies = m_config.trustedProxies;
    listener.maxConnectionsPerAddress = m_config.maxConnectionsPerAddress;
    listener.plainHttp = [health = m_health.get()](const QByteArray &target) { return health->answer(target, false); };
    m_listener = new Listener(
        listener, [sessions = m_sessions] { return sessions->connectionCount(); }, this);
    m_listener->setTlsContext(std::move(tls));
    m_listener->setLoadReport([sessions = m_sessions] { return sessions->busiest(); });
    auto *housekeeping = new QTimer(this);
    housekeeping->setInterval(kHousekeepingIntervalMs);
    connect(housekeeping, &QTimer::timeout, this, &Server::pruneExpired);
    housekeeping->start();
    pruneExpired();
    connect(m_listener, &Listener::channelOpened, m_sessions, &SessionRegistry::adopt);
    if (!m_config.adminListenHost.isEmpty()) {
        m_admin = new AdminHttpServer(
            m_config.adminListenHost, m_config.adminListenPort,
            [health = m_health.get()](const QByteArray &target) { return health->answer(target, true); }, this);
        if (!m_admin->listen(error))
            return false;
    }
    return m_listener->listen(error);
}

void Server::exposeGauges()
{
    // Read at each scrape, on this thread.
    Metrics &metrics = Metrics::instance();
    metrics.setGauge(QStringLiteral("presently_connections"),
                     QStringLiteral("WebSocket connections held (signed in or not)."),
                     [this] { return m_sessions ? double(m_sessions->connectionCount()) : 0.0; });
    metrics.setGauge(QStringLiteral("presently_sessions"), QStringLiteral("Signed-in sessions."),
                     [this] { return m_sessions ? double(m_sessions->liveSessionCount()) : 0.0; });
    metrics.setGauge(QStringLiteral("presently_ready"),
                     QStringLiteral("1 when GET /readyz answers 200 (Redis and the database answer, not draining)."),
                     [this] { return m_readiness && m_readiness->isReady() ? 1.0 : 0.0; });
    metrics.setGauge(QStringLiteral("presently_draining"), QStringLiteral("1 after SIGTERM, while draining."),
                     [this] { return m_readiness && m_readiness->isDraining() ? 1.0 : 0.0; });
    metrics.setGauge(QStringLiteral("presently_redis_connected"),
                     QStringLiteral("1 when the presence store is available (always, on the embedded store)."),
                     [this] { return m_presence && m_presence->isAvailable() ? 1.0 : 0.0; });
}

QString Server::adminAddress() const
{
    return m_admin ? m_admin->listenAddress() : QString();
}

bool Server::reloadCertificate(QString *error)
{
    if (!isTls() || !m_listener) {
        *error = QStringLiteral("no certificate to reload (ws://)");
        return false;
    }
    std::shared_ptr<const TlsContext> tls = TlsContext::load(m_config.tlsCertificatePath, m_config.tlsKeyPath, error);
    if (!tls)
        return false;
    qCInfo(lcServer).noquote() << "reloaded: wss:// with" << tls->summary();
    m_listener->setTlsContext(std::move(tls));
    return true;
}

void Server::pruneExpired()
{
    const qint64 now = Clock::nowMs();
    m_writes->write<int>(
        this, [now](AccountStore *accounts, MessageStore *) { return accounts->pruneExpiredTokens(now); },
        [](const StoreResult<int> &pruned) {
            if (pruned && *pruned > 0)
                qCInfo(lcServer) << "pruned" << *pruned << "expired session tokens";
        });
    if (m_config.retentionDays > 0)
        pruneMessages(now - qint64(m_config.retentionDays) * 24 * 3600 * 1000);
}

void Server::pruneMessages(qint64 cutoffMs)
{
    // A batch per commit window, the next once it is done, until none is left.
    m_writes->write<int>(
        this,
        [cutoffMs](AccountStore *, MessageStore *messages) { return messages->pruneOlderThan(cutoffMs, kPruneBatch); },
        [this, cutoffMs](const StoreResult<int> &pruned) {
            if (!pruned || *pruned == 0)
                return;
            qCInfo(lcServer) << "removed" << *pruned << "messages older than the retention";
            if (*pruned == kPruneBatch)
                pruneMessages(cutoffMs);
        });
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
    if (m_readiness->isDraining())
        return; // a second SIGTERM while draining: the drain goes on
    m_readiness->setDraining();
    if (m_config.drainMs > 0) {
        // A balancer checking /readyz stops sending new clients; those here are served meanwhile.
        qCInfo(lcServer) << "draining for" << m_config.drainMs << "ms, then closing every connection";
        QTimer::singleShot(m_config.drainMs, this, &Server::closeEveryone);
        return;
    }
    closeEveryone();
}

void Server::closeEveryone()
{
    m_listener->close();
    m_sessions->shutdown([this] { Q_EMIT stopped(); });
}

} // namespace presently
