#pragma once

#include "app/ServerConfig.h"

#include <QObject>
#include <memory>

namespace presently {

class AdminHttpServer;
class EventBus;
class HealthEndpoints;
class Listener;
class PresenceHub;
class PresenceStore;
class Readiness;
class RedisLink;
class SessionRegistry;
class StoreThread;
class WalCheckpointer;

// The composition root: the stores, the presence store and bus (embedded or on one Redis link),
// the session registry and the listener, built from a ServerConfig. Tests and main() use it alike.
class Server : public QObject {
    Q_OBJECT
public:
    explicit Server(const ServerConfig &config, QObject *parent = nullptr);
    ~Server() override;

    bool start(QString *error);
    QString listenAddress() const;
    QString adminAddress() const; // HOST:PORT of --admin-listen, empty without

    bool isTls() const { return !m_config.tlsCertificatePath.isEmpty(); }
    // Reads the certificate and key again (SIGHUP) for new connections; live ones keep theirs.
    // A file that fails to load keeps the certificate in use, and says why.
    bool reloadCertificate(QString *error);

    // Closes every client with 1001 (no offline shown), then emits stopped(); with a drain time,
    // /readyz says 503 for that long first.
    void shutdown();

Q_SIGNALS:
    void stopped();

private:
    // Expired tokens, and messages past the retention, removed in the next commit windows.
    void pruneExpired();
    void pruneMessages(qint64 cutoffMs);
    void exposeGauges();
    void closeEveryone();

    ServerConfig m_config;
    // SQL runs only on these threads, never on the event loop.
    StoreThread *m_writes = nullptr;
    StoreThread *m_reads = nullptr;
    WalCheckpointer *m_checkpointer = nullptr;
    RedisLink *m_redis = nullptr;
    PresenceStore *m_presence = nullptr;
    EventBus *m_bus = nullptr;
    PresenceHub *m_hub = nullptr;
    SessionRegistry *m_sessions = nullptr;
    Listener *m_listener = nullptr;
    Readiness *m_readiness = nullptr;
    std::unique_ptr<HealthEndpoints> m_health;
    AdminHttpServer *m_admin = nullptr;
};

} // namespace presently
