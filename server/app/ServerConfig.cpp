#include "app/ServerConfig.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSet>
#include <QStandardPaths>
#include <QSysInfo>
#include <QUrl>
#include <cstdio>

namespace presently {

namespace {
void printLine(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text + QLatin1Char('\n')), stream);
    std::fflush(stream);
}

bool parsePositiveMs(const QCommandLineParser &parser, const QString &name, int *out, QString *error)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const int value = parser.value(name).toInt(&ok);
    if (!ok || value <= 0) {
        *error = QStringLiteral("--%1 must be a positive number of milliseconds").arg(name);
        return false;
    }
    *out = value;
    return true;
}
} // namespace

QString ServerConfig::defaultDatabasePath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.presently-server");
    return dir + QStringLiteral("/presently.sqlite");
}

std::optional<RedisAddress> ServerConfig::parseSentinelUrl(const QString &text, QString *error)
{
    // redis+sentinel://[PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER[/DB]: several hosts, which QUrl
    // does not read. The password is the data nodes'; Sentinels are asked without one.
    const QString usage =
        QStringLiteral("--redis must look like redis+sentinel://[PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER[/DB]");
    const QString rest = text.mid(QStringLiteral("redis+sentinel://").size());
    const QStringList parts = rest.split(QLatin1Char('/'));
    if (parts.size() < 2 || parts.size() > 3 || parts.at(1).isEmpty()) {
        *error = usage;
        return std::nullopt;
    }
    RedisAddress address;
    QString hosts = parts.at(0);
    const qsizetype at = hosts.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        address.password = QUrl::fromPercentEncoding(hosts.left(at).toUtf8());
        hosts = hosts.mid(at + 1);
    }
    for (const QString &entry : hosts.split(QLatin1Char(','))) {
        const QUrl one(QStringLiteral("redis://") + entry.trimmed(), QUrl::StrictMode);
        if (!one.isValid() || one.host().isEmpty() || one.port() <= 0) {
            *error = usage + QStringLiteral(" (\"%1\" is no HOST:PORT)").arg(entry);
            return std::nullopt;
        }
        address.sentinels.append({one.host(), static_cast<quint16>(one.port())});
    }
    address.masterName = QUrl::fromPercentEncoding(parts.at(1).toUtf8());
    address.host.clear(); // until the Sentinels say
    bool ok = true;
    address.db = parts.size() == 3 && !parts.at(2).isEmpty() ? parts.at(2).toInt(&ok) : 0;
    if (!ok || address.db < 0) {
        *error = QStringLiteral("--redis database must be a number");
        return std::nullopt;
    }
    return address;
}

std::optional<RedisAddress> ServerConfig::parseRedisUrl(const QString &text, QString *error)
{
    if (text.startsWith(QLatin1String("redis+sentinel://")))
        return parseSentinelUrl(text, error);
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis") || url.host().isEmpty()) {
        *error = QStringLiteral("--redis must look like redis://[USER:]PASSWORD@HOST:PORT/DB or redis://HOST:PORT/DB");
        return std::nullopt;
    }
    RedisAddress address;
    // redis://PASSWORD@host (the short form many tools take) or redis://USER:PASSWORD@host, read
    // from the text itself: QUrl forgets an empty password's colon.
    const QString authority = text.section(QStringLiteral("://"), 1).section(QLatin1Char('/'), 0, 0);
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        const QString userInfo = authority.left(at);
        const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
        const auto decoded = [](const QString &part) { return QUrl::fromPercentEncoding(part.toUtf8()); };
        if (colon < 0) {
            address.password = decoded(userInfo);
        } else {
            address.user = decoded(userInfo.left(colon));
            address.password = decoded(userInfo.mid(colon + 1));
        }
    }
    if (!address.user.isEmpty() && address.password.isEmpty()) {
        *error = QStringLiteral("--redis: a user needs a password (redis://USER:PASSWORD@HOST:PORT/DB)");
        return std::nullopt;
    }
    address.host = url.host();
    address.port = static_cast<quint16>(url.port(6379));
    const QString path = url.path().mid(1);
    if (!path.isEmpty()) {
        bool ok = false;
        address.db = path.toInt(&ok);
        if (!ok || address.db < 0) {
            *error = QStringLiteral("--redis database must be a number");
            return std::nullopt;
        }
    }
    return address;
}

std::optional<QStringList> ServerConfig::parseOrigins(const QString &list, QString *error)
{
    QStringList origins;
    for (const QString &entry : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString origin = entry.trimmed();
        if (origin.isEmpty())
            continue;
        if (origin != QLatin1String("*")) {
            // An origin is scheme://host[:port], as browsers send it: no path, no slash at the end.
            const QUrl url(origin, QUrl::StrictMode);
            if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
                url.host().isEmpty() || !url.path().isEmpty() || url.hasQuery() || url.hasFragment() ||
                !url.userInfo().isEmpty()) {
                *error = QStringLiteral("--allowed-origins: \"%1\" is not an origin like https://chat.example.com")
                             .arg(origin);
                return std::nullopt;
            }
        }
        origins.append(origin);
    }
    return origins;
}

namespace {
// Flags that may also come from the config file (`name = value`) or the environment
// (PRESENTLY_NAME with dashes as underscores). Precedence: flags, then environment, then file.
const QStringList kSettableFlags = {QStringLiteral("listen"),
                                    QStringLiteral("redis"),
                                    QStringLiteral("db"),
                                    QStringLiteral("heartbeat-interval-ms"),
                                    QStringLiteral("presence-ttl-ms"),
                                    QStringLiteral("auth-timeout-ms"),
                                    QStringLiteral("server-id"),
                                    QStringLiteral("batch-window-us"),
                                    QStringLiteral("rate-per-s"),
                                    QStringLiteral("rate-burst"),
                                    QStringLiteral("allowed-origins"),
                                    QStringLiteral("max-sessions-per-user"),
                                    QStringLiteral("tls-cert"),
                                    QStringLiteral("tls-key"),
                                    QStringLiteral("max-tls-handshakes"),
                                    QStringLiteral("failed-sign-ins-per-account"),
                                    QStringLiteral("failed-sign-ins-per-address"),
                                    QStringLiteral("sign-in-max-wait-s"),
                                    QStringLiteral("proxy-protocol"),
                                    QStringLiteral("trusted-proxies"),
                                    QStringLiteral("max-connections-per-address"),
                                    QStringLiteral("registration"),
                                    QStringLiteral("password-checks-per-address"),
                                    QStringLiteral("registrations-per-address-per-hour"),
                                    QStringLiteral("daily-messages-per-user"),
                                    QStringLiteral("daily-message-mb-per-user"),
                                    QStringLiteral("min-free-disk-mb"),
                                    QStringLiteral("retention-days"),
                                    QStringLiteral("max-waiting-requests"),
                                    QStringLiteral("admin-listen"),
                                    QStringLiteral("drain-ms")};

bool readConfigFile(const QString &path, QHash<QString, QString> *values, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString());
        return false;
    }
    int lineNumber = 0;
    while (!file.atEnd()) {
        ++lineNumber;
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        const QString key = line.left(eq).trimmed();
        if (eq < 0 || !kSettableFlags.contains(key)) {
            *error = QStringLiteral("%1:%2: expected one of %3 = VALUE")
                         .arg(path)
                         .arg(lineNumber)
                         .arg(kSettableFlags.join(QStringLiteral(", ")));
            return false;
        }
        values->insert(key, line.mid(eq + 1).trimmed());
    }
    return true;
}

// The command line with the config file's and the environment's settings put in front of it,
// for flags the command line does not set itself.
std::optional<QStringList> withConfigAndEnvironment(const QStringList &arguments, QString *error)
{
    QString configPath;
    QSet<QString> onCommandLine;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        if (!a.startsWith(QLatin1String("--")))
            continue;
        const QString name = a.mid(2).section(QLatin1Char('='), 0, 0);
        onCommandLine.insert(name);
        if (name == QLatin1String("config"))
            configPath = a.contains(QLatin1Char('=')) ? a.section(QLatin1Char('='), 1) : arguments.value(i + 1);
    }
    if (configPath.isEmpty())
        configPath = qEnvironmentVariable("PRESENTLY_CONFIG");
    QHash<QString, QString> values;
    if (!configPath.isEmpty() && !readConfigFile(configPath, &values, error))
        return std::nullopt;
    for (const QString &flag : kSettableFlags) {
        const QByteArray env = "PRESENTLY_" + flag.toUpper().replace(QLatin1Char('-'), QLatin1Char('_')).toLatin1();
        if (qEnvironmentVariableIsSet(env.constData()))
            values.insert(flag, qEnvironmentVariable(env.constData()));
    }
    QStringList merged{arguments.value(0)};
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (!onCommandLine.contains(it.key()))
            merged << QStringLiteral("--") + it.key() << it.value();
    }
    merged += arguments.mid(1);
    return merged;
}
} // namespace

std::optional<ServerConfig> ServerConfig::fromArguments(const QStringList &givenArguments, int *exitCode)
{
    ServerConfig config;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Presently gateway: accounts, contacts and live presence over WebSocket."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("listen"), QStringLiteral("Address to listen on (port 0: any free port)."),
         QStringLiteral("HOST:PORT"), QStringLiteral("127.0.0.1:8765")},
        {QStringLiteral("redis"),
         QStringLiteral("Redis for presence and fan-out; absent: the embedded in-process store. A password "
                        "(and a Redis 6 ACL user) go before the host; they are never logged. With "
                        "redis+sentinel://[PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER/DB the Sentinels name the "
                        "primary and the gateway follows their failovers."),
         QStringLiteral("URL")},
        {QStringLiteral("db"),
         QStringLiteral("Accounts, contacts and messages: a SQLite file (one machine) or a PostgreSQL server (a "
                        "fleet of gateways)."),
         QStringLiteral("sqlite:PATH|postgresql://USER:PASSWORD@HOST:PORT/DB"),
         QStringLiteral("sqlite:") + defaultDatabasePath()},
        {QStringLiteral("heartbeat-interval-ms"), QStringLiteral("Heartbeat interval announced to clients."),
         QStringLiteral("MS"), QStringLiteral("10000")},
        {QStringLiteral("presence-ttl-ms"), QStringLiteral("A session with no frame for this long goes offline."),
         QStringLiteral("MS"), QStringLiteral("30000")},
        {QStringLiteral("auth-timeout-ms"), QStringLiteral("Connections not signed in by then are closed."),
         QStringLiteral("MS"), QStringLiteral("10000")},
        {QStringLiteral("rate-per-s"),
         QStringLiteral("Requests per second a connection may make (announced in welcome)."), QStringLiteral("N"),
         QStringLiteral("20")},
        {QStringLiteral("rate-burst"), QStringLiteral("Requests a connection may make at once (announced in welcome)."),
         QStringLiteral("N"), QStringLiteral("40")},
        {QStringLiteral("allowed-origins"),
         QStringLiteral("Web pages (by origin, comma-separated; * for any) that may connect. Requests with no "
                        "Origin header (native clients, bots) are always accepted; a browser page from any other "
                        "origin is refused with 403."),
         QStringLiteral("LIST")},
        {QStringLiteral("tls-cert"),
         QStringLiteral("Serve wss:// (TLS 1.2 and 1.3) with this PEM certificate, its chain after it. SIGHUP "
                        "reloads the certificate and key; connections stay up."),
         QStringLiteral("PATH")},
        {QStringLiteral("tls-key"), QStringLiteral("The certificate's private key (PEM, not encrypted)."),
         QStringLiteral("PATH")},
        {QStringLiteral("max-tls-handshakes"),
         QStringLiteral("TLS handshakes in progress at once; more connections wait to be accepted."),
         QStringLiteral("N"), QString::number(ServerConfig().maxTlsHandshakes)},
        {QStringLiteral("failed-sign-ins-per-account"),
         QStringLiteral("Wrong passwords an account may get before each further one doubles the wait for it "
                        "(1 s, 2 s, ...); meanwhile a password sign-in is answered rate_limited, unchecked."),
         QStringLiteral("N"), QString::number(ServerConfig().failedSignInsPerAccount)},
        {QStringLiteral("failed-sign-ins-per-address"), QStringLiteral("The same per client address (IPv6: per /64)."),
         QStringLiteral("N"), QString::number(ServerConfig().failedSignInsPerAddress)},
        {QStringLiteral("sign-in-max-wait-s"), QStringLiteral("The longest wait after failed sign-ins."),
         QStringLiteral("S"), QString::number(ServerConfig().signInMaxWaitS)},
        {QStringLiteral("proxy-protocol"),
         QStringLiteral("v2: connections from --trusted-proxies start with a PROXY protocol v2 header (HAProxy: "
                        "send-proxy-v2) naming the client; limits and logs then see the client. off: none."),
         QStringLiteral("v2|off"), QStringLiteral("off")},
        {QStringLiteral("trusted-proxies"),
         QStringLiteral("With --proxy-protocol v2: the load balancers (addresses or networks, comma-separated) whose "
                        "headers are read. Connections from anywhere else are taken as the client's own."),
         QStringLiteral("LIST")},
        {QStringLiteral("max-connections-per-address"),
         QStringLiteral("Connections one client address (IPv6: one /64) may hold; more are closed with 4005. "
                        "0: no limit."),
         QStringLiteral("N"), QStringLiteral("0")},
        {QStringLiteral("password-checks-per-address"),
         QStringLiteral("Password checks (sign-ins, registrations) in progress at once from one address; more are "
                        "answered unavailable. 0: no limit."),
         QStringLiteral("N"), QString::number(ServerConfig().passwordChecksPerAddress)},
        {QStringLiteral("registrations-per-address-per-hour"),
         QStringLiteral("New accounts from one address per hour; more are answered rate_limited. 0: no limit."),
         QStringLiteral("N"), QString::number(ServerConfig().registrationsPerAddressPerHour)},
        {QStringLiteral("admin-listen"),
         QStringLiteral("Also serve GET /healthz, /readyz and /metrics (Prometheus) on this address, for operators "
                        "only (the listen port answers /healthz and /readyz, never /metrics)."),
         QStringLiteral("HOST:PORT")},
        {QStringLiteral("drain-ms"),
         QStringLiteral("On SIGTERM, first answer /readyz with 503 for this long while still serving everyone, so "
                        "a load balancer sends new clients elsewhere; then close all with 1001."),
         QStringLiteral("MS"), QStringLiteral("0")},
        {QStringLiteral("max-waiting-requests"),
         QStringLiteral("Contact requests one user may have waiting at once; more are rate_limited."),
         QStringLiteral("N"), QString::number(ServerConfig().maxWaitingRequests)},
        {QStringLiteral("daily-messages-per-user"),
         QStringLiteral("Messages one user may send per UTC day; more are rate_limited until midnight. 0: no limit."),
         QStringLiteral("N"), QString::number(ServerConfig().dailyMessagesPerUser)},
        {QStringLiteral("daily-message-mb-per-user"), QStringLiteral("The same for their size in MB. 0: no limit."),
         QStringLiteral("MB"), QString::number(ServerConfig().dailyMessageMbPerUser)},
        {QStringLiteral("min-free-disk-mb"),
         QStringLiteral("Below this much free space where the database is, sends are answered unavailable. 0: off."),
         QStringLiteral("MB"), QString::number(ServerConfig().minFreeDiskMb)},
        {QStringLiteral("retention-days"),
         QStringLiteral("Messages older than this are deleted (hourly). 0: kept for ever."), QStringLiteral("DAYS"),
         QStringLiteral("0")},
        {QStringLiteral("registration"),
         QStringLiteral("Who may create an account: open (anyone), token (with an invitation from "
                        "`presently-server invite create`), closed (only `presently-server user add`)."),
         QStringLiteral("POLICY"), QStringLiteral("open")},
        {QStringLiteral("max-sessions-per-user"),
         QStringLiteral("Live sessions one user may hold on this gateway; more are refused with close code 4004. "
                        "0: no limit."),
         QStringLiteral("N"), QStringLiteral("10")},
        {QStringLiteral("config"),
         QStringLiteral("Read settings from this file (name = value lines, names as the flags'). "
                        "Environment variables PRESENTLY_<FLAG> override it; flags override both."),
         QStringLiteral("PATH")},
        {QStringLiteral("server-id"), QStringLiteral("This gateway's name, unique among gateways sharing a Redis."),
         QStringLiteral("ID"), QStringLiteral("gw-<host>-<random>")},
        {QStringLiteral("batch-window-us"),
         QStringLiteral("While only heartbeats arrive, wait up to this long to read several at once (Linux; "
                        "fewer wake-ups). Any other frame turns it off for a second. 0: off."),
         QStringLiteral("US"), QString::number(ServerConfig().batchWindowUs)},
    });

    QString error;
    const std::optional<QStringList> arguments = withConfigAndEnvironment(givenArguments, &error);
    if (!arguments) {
        printLine(stderr, error);
        *exitCode = 2;
        return std::nullopt;
    }
    if (!parser.parse(*arguments)) {
        printLine(stderr, parser.errorText());
        *exitCode = 2;
        return std::nullopt;
    }
    if (parser.isSet(help)) {
        printLine(stdout, parser.helpText());
        *exitCode = 0;
        return std::nullopt;
    }
    if (parser.isSet(version)) {
        printLine(stdout, QStringLiteral("presently-server ") + QStringLiteral(PRESENTLY_VERSION));
        *exitCode = 0;
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        printLine(stderr, QStringLiteral("unexpected argument: ") + parser.positionalArguments().first());
        *exitCode = 2;
        return std::nullopt;
    }

    const auto address = [&](const QString &flag, QString *host, quint16 *port) {
        const QString value = parser.value(flag);
        const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
        bool portOk = false;
        const int number = colon > 0 ? value.mid(colon + 1).toInt(&portOk) : -1;
        if (!portOk || number < 0 || number > 65535) {
            error = QStringLiteral("--%1 must be HOST:PORT").arg(flag);
            return;
        }
        *host = value.left(colon);
        if (host->startsWith(QLatin1Char('[')) && host->endsWith(QLatin1Char(']')))
            *host = host->mid(1, host->size() - 2);
        *port = static_cast<quint16>(number);
    };
    address(QStringLiteral("listen"), &config.listenHost, &config.listenPort);
    if (error.isEmpty() && parser.isSet(QStringLiteral("admin-listen"))) {
        config.adminListenHost = QStringLiteral("127.0.0.1");
        address(QStringLiteral("admin-listen"), &config.adminListenHost, &config.adminListenPort);
    }

    if (error.isEmpty() && parser.isSet(QStringLiteral("redis")))
        config.redis = parseRedisUrl(parser.value(QStringLiteral("redis")), &error);

    const QString db = parser.value(QStringLiteral("db"));
    if (error.isEmpty()) {
        if (const std::optional<DatabaseAddress> address = DatabaseAddress::parse(db, &error))
            config.database = *address;
    }

    if (error.isEmpty()) {
        parsePositiveMs(parser, QStringLiteral("heartbeat-interval-ms"), &config.heartbeatIntervalMs, &error) &&
            parsePositiveMs(parser, QStringLiteral("presence-ttl-ms"), &config.presenceTtlMs, &error) &&
            parsePositiveMs(parser, QStringLiteral("auth-timeout-ms"), &config.authTimeoutMs, &error);
    }

    if (error.isEmpty() && parser.isSet(QStringLiteral("batch-window-us"))) {
        bool ok = false;
        config.batchWindowUs = parser.value(QStringLiteral("batch-window-us")).toInt(&ok);
        if (!ok || config.batchWindowUs < 0 || config.batchWindowUs > 100000)
            error = QStringLiteral("--batch-window-us must be 0 to 100000 microseconds");
    }
    if (error.isEmpty() && config.presenceTtlMs <= config.heartbeatIntervalMs)
        error = QStringLiteral("--presence-ttl-ms must be longer than --heartbeat-interval-ms");
    if (error.isEmpty() && parser.isSet(QStringLiteral("rate-per-s"))) {
        config.limits.ratePerSecond = parser.value(QStringLiteral("rate-per-s")).toInt();
        if (config.limits.ratePerSecond <= 0)
            error = QStringLiteral("--rate-per-s must be a positive number");
    }
    if (error.isEmpty() && parser.isSet(QStringLiteral("rate-burst"))) {
        config.limits.rateBurst = parser.value(QStringLiteral("rate-burst")).toInt();
        if (config.limits.rateBurst <= 0)
            error = QStringLiteral("--rate-burst must be a positive number");
    }
    if (error.isEmpty() && parser.isSet(QStringLiteral("allowed-origins"))) {
        if (const auto origins = parseOrigins(parser.value(QStringLiteral("allowed-origins")), &error))
            config.allowedOrigins = *origins;
    }
    if (error.isEmpty()) {
        config.tlsCertificatePath = parser.value(QStringLiteral("tls-cert"));
        config.tlsKeyPath = parser.value(QStringLiteral("tls-key"));
        if (config.tlsCertificatePath.isEmpty() != config.tlsKeyPath.isEmpty())
            error = QStringLiteral("--tls-cert and --tls-key go together");
    }
    // A whole number of at least `minimum` (0 meaning "no limit" where allowed).
    const auto atLeast = [&](int minimum, const QString &flag, int *value) {
        if (!error.isEmpty() || !parser.isSet(flag))
            return;
        bool ok = false;
        *value = parser.value(flag).toInt(&ok);
        if (!ok || *value < minimum)
            error = minimum == 0 ? QStringLiteral("--%1 must be 0 (no limit) or more").arg(flag)
                                 : QStringLiteral("--%1 must be %2 or more").arg(flag).arg(minimum);
    };
    const auto positive = [&](const QString &flag, int *value) { atLeast(1, flag, value); };
    const auto zeroOrMore = [&](const QString &flag, int *value) { atLeast(0, flag, value); };
    positive(QStringLiteral("failed-sign-ins-per-account"), &config.failedSignInsPerAccount);
    positive(QStringLiteral("failed-sign-ins-per-address"), &config.failedSignInsPerAddress);
    positive(QStringLiteral("sign-in-max-wait-s"), &config.signInMaxWaitS);
    positive(QStringLiteral("max-tls-handshakes"), &config.maxTlsHandshakes);
    zeroOrMore(QStringLiteral("password-checks-per-address"), &config.passwordChecksPerAddress);
    zeroOrMore(QStringLiteral("registrations-per-address-per-hour"), &config.registrationsPerAddressPerHour);
    zeroOrMore(QStringLiteral("max-connections-per-address"), &config.maxConnectionsPerAddress);
    zeroOrMore(QStringLiteral("max-sessions-per-user"), &config.maxSessionsPerUser);
    zeroOrMore(QStringLiteral("daily-messages-per-user"), &config.dailyMessagesPerUser);
    zeroOrMore(QStringLiteral("daily-message-mb-per-user"), &config.dailyMessageMbPerUser);
    zeroOrMore(QStringLiteral("min-free-disk-mb"), &config.minFreeDiskMb);
    zeroOrMore(QStringLiteral("retention-days"), &config.retentionDays);
    positive(QStringLiteral("max-waiting-requests"), &config.maxWaitingRequests);
    zeroOrMore(QStringLiteral("drain-ms"), &config.drainMs);
    if (error.isEmpty() && parser.isSet(QStringLiteral("registration"))) {
        const QString policy = parser.value(QStringLiteral("registration"));
        using Registration = SessionSettings::Registration;
        if (policy == QLatin1String("open"))
            config.registration = Registration::Open;
        else if (policy == QLatin1String("token"))
            config.registration = Registration::Invite;
        else if (policy == QLatin1String("closed"))
            config.registration = Registration::Closed;
        else
            error = QStringLiteral("--registration must be open, token or closed");
    }
    if (error.isEmpty()) {
        // Both or neither: a header believed from anyone, or a list that silently does nothing,
        // would be a misconfiguration.
        const QString proxyProtocol = parser.value(QStringLiteral("proxy-protocol"));
        const bool trusted = parser.isSet(QStringLiteral("trusted-proxies"));
        QString subnetError;
        if (proxyProtocol != QLatin1String("v2") && proxyProtocol != QLatin1String("off"))
            error = QStringLiteral("--proxy-protocol must be v2 or off");
        else if (proxyProtocol == QLatin1String("v2") && !trusted)
            error = QStringLiteral("--proxy-protocol v2 needs --trusted-proxies LIST (the balancers' addresses)");
        else if (proxyProtocol == QLatin1String("off") && trusted)
            error = QStringLiteral("--trusted-proxies needs --proxy-protocol v2");
        else if (trusted && !ClientAddress::parseSubnets(parser.value(QStringLiteral("trusted-proxies")),
                                                         &config.trustedProxies, &subnetError))
            error = QStringLiteral("--trusted-proxies: ") + subnetError;
    }
    // The second bucket, on every frame, keeps the protocol's ratio to the first.
    config.limits.floodPerSecond = 5 * config.limits.ratePerSecond;
    config.limits.floodBurst = 5 * config.limits.rateBurst;

    config.serverId = parser.value(QStringLiteral("server-id"));
    if (!parser.isSet(QStringLiteral("server-id"))) {
        config.serverId = QStringLiteral("gw-%1-%2")
                              .arg(QSysInfo::machineHostName().left(32))
                              .arg(QRandomGenerator::system()->generate() % 0xFFFFFF, 6, 16, QLatin1Char('0'));
    } else if (config.serverId.isEmpty() || config.serverId.size() > 64) {
        error = QStringLiteral("--server-id must be 1 to 64 characters");
    }

    if (!error.isEmpty()) {
        printLine(stderr, error);
        *exitCode = 2;
        return std::nullopt;
    }
    return config;
}

} // namespace presently
