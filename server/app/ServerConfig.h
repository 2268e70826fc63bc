#pragma once

#include "net/ClientAddress.h"
#include "protocol/ProtocolLimits.h"
#include "redis/RedisAddress.h"
#include "session/SessionSettings.h"
#include "sql/DatabaseAddress.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>
#include <optional>

namespace presently {

// Everything the server is told on its command line.
struct ServerConfig {
    QString listenHost = QStringLiteral("127.0.0.1");
    quint16 listenPort = 8765;
    // GET /healthz, /readyz and /metrics for operators; empty host: none.
    QString adminListenHost;
    quint16 adminListenPort = 0;
    // After SIGTERM, how long /readyz says 503 before everyone is closed with 1001.
    int drainMs = 0;
    std::optional<RedisAddress> redis; // empty: embedded store
    DatabaseAddress database;          // a SQLite file, or a PostgreSQL server
    int heartbeatIntervalMs = 10000;
    int presenceTtlMs = 30000;
    int authTimeoutMs = 10000;
    QString serverId;
    // See EpollEventDispatcher::setBatchWindow. 2 ms: heartbeat acks stay far inside their
    // 5 ms budget (docs/benchmarks.md, row 2).
    int batchWindowUs = 2000;
    ProtocolLimits limits;
    // Web origins whose pages may connect ("*": any); requests without Origin are always
    // accepted. Empty: no browser page may connect.
    QStringList allowedOrigins;
    // wss://: PEM certificate (chain allowed) and key; both empty: ws://. Reloaded on SIGHUP.
    QString tlsCertificatePath;
    QString tlsKeyPath;
    // TLS handshakes in progress at once; accepting waits beyond.
    int maxTlsHandshakes = 64;
    // Failed password sign-ins allowed per account and per address (IPv6: /64) before each
    // further one doubles the wait (from 1 s, up to signInMaxWaitS).
    int failedSignInsPerAccount = 5;
    int failedSignInsPerAddress = 20;
    int signInMaxWaitS = 900;
    // Password checks in flight at once per address (0: no limit); new accounts per address per
    // hour (0: no limit).
    int passwordChecksPerAddress = 2;
    int registrationsPerAddressPerHour = 20;
    // Messages per user per UTC day, their megabytes (0: no limit); free disk below which sends
    // are refused; days messages are kept (0: for ever).
    int maxWaitingRequests = 100; // contact requests one user may have waiting
    int dailyMessagesPerUser = 10000;
    int dailyMessageMbPerUser = 20;
    int minFreeDiskMb = 64;
    int retentionDays = 0;
    // Load balancers whose connections start with a PROXY protocol v2 header (the client's
    // address, for limits and logs). Empty: none.
    QList<ClientAddress::Subnet> trustedProxies;
    // Connections one client address (IPv6: /64) may hold; more are closed with 4005. 0: no limit.
    int maxConnectionsPerAddress = 0;
    // Who may `register`: anyone (the laptop demo), invitation holders, nobody.
    SessionSettings::Registration registration = SessionSettings::Registration::Open;
    // Live sessions one user may hold on this gateway (0: no limit).
    int maxSessionsPerUser = 10;
    // Connections held at once (each is an open file); more are closed with 4003. Not a flag:
    // main() derives it from the open-file limit. -1: no limit.
    int maxConnections = -1;
    // Sockets open at once, WebSocket handshakes in progress included: accepting pauses there,
    // short of the open-file limit. -1: no limit.
    int maxSockets = -1;

    static QString defaultDatabasePath();
    static std::optional<RedisAddress> parseRedisUrl(const QString &url, QString *error);
    // redis+sentinel://[PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER[/DB]
    static std::optional<RedisAddress> parseSentinelUrl(const QString &url, QString *error);
    // "https://chat.example.com, http://localhost:3000" or "*"; empty on a malformed entry.
    static std::optional<QStringList> parseOrigins(const QString &list, QString *error);

    // Parses arguments (argv[0] included). On --help/--version prints and sets exitCode to 0; on
    // a bad argument prints the problem and sets exitCode to 2. Returns empty in both cases.
    static std::optional<ServerConfig> fromArguments(const QStringList &arguments, int *exitCode);
};

} // namespace presently
