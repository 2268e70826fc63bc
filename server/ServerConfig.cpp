#include "ServerConfig.h"

#include <QCommandLineParser>
#include <QDir>
#include <QRandomGenerator>
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

bool parsePositiveMs(const QCommandLineParser &parser, const QString &name, int *out,
                     QString *error)
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

std::optional<RedisAddress> ServerConfig::parseRedisUrl(const QString &text, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis") || url.host().isEmpty()) {
        *error = QStringLiteral("--redis must look like redis://HOST:PORT/DB");
        return std::nullopt;
    }
    RedisAddress address;
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

std::optional<ServerConfig> ServerConfig::fromArguments(const QStringList &arguments, int *exitCode)
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
         QStringLiteral("Redis for presence and fan-out; absent: the embedded in-process store."),
         QStringLiteral("redis://HOST:PORT/DB")},
        {QStringLiteral("db"), QStringLiteral("SQLite file for accounts and contacts."),
         QStringLiteral("sqlite:PATH"), QStringLiteral("sqlite:") + defaultDatabasePath()},
        {QStringLiteral("heartbeat-interval-ms"),
         QStringLiteral("Heartbeat interval announced to clients."), QStringLiteral("MS"),
         QStringLiteral("10000")},
        {QStringLiteral("presence-ttl-ms"),
         QStringLiteral("A session with no frame for this long goes offline."),
         QStringLiteral("MS"), QStringLiteral("30000")},
        {QStringLiteral("auth-timeout-ms"),
         QStringLiteral("Connections not signed in by then are closed."), QStringLiteral("MS"),
         QStringLiteral("10000")},
        {QStringLiteral("rate-per-s"),
         QStringLiteral("Requests per second a connection may make (announced in welcome)."),
         QStringLiteral("N"), QStringLiteral("20")},
        {QStringLiteral("rate-burst"),
         QStringLiteral("Requests a connection may make at once (announced in welcome)."),
         QStringLiteral("N"), QStringLiteral("40")},
        {QStringLiteral("server-id"),
         QStringLiteral("This gateway's name, unique among gateways sharing a Redis."),
         QStringLiteral("ID"), QStringLiteral("gw-<host>-<random>")},
    });

    QString error;
    if (!parser.parse(arguments)) {
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

    const QString listen = parser.value(QStringLiteral("listen"));
    const qsizetype colon = listen.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const int port = colon > 0 ? listen.mid(colon + 1).toInt(&portOk) : -1;
    if (!portOk || port < 0 || port > 65535) {
        error = QStringLiteral("--listen must be HOST:PORT");
    } else {
        config.listenHost = listen.left(colon);
        if (config.listenHost.startsWith(QLatin1Char('[')) && config.listenHost.endsWith(QLatin1Char(']')))
            config.listenHost = config.listenHost.mid(1, config.listenHost.size() - 2);
        config.listenPort = static_cast<quint16>(port);
    }

    if (error.isEmpty() && parser.isSet(QStringLiteral("redis")))
        config.redis = parseRedisUrl(parser.value(QStringLiteral("redis")), &error);

    const QString db = parser.value(QStringLiteral("db"));
    if (error.isEmpty()) {
        if (!db.startsWith(QLatin1String("sqlite:")) || db.size() <= 7)
            error = QStringLiteral("--db must be sqlite:PATH");
        else
            config.databasePath = db.mid(7);
    }

    if (error.isEmpty()) {
        parsePositiveMs(parser, QStringLiteral("heartbeat-interval-ms"), &config.heartbeatIntervalMs,
                        &error) &&
            parsePositiveMs(parser, QStringLiteral("presence-ttl-ms"), &config.presenceTtlMs,
                            &error) &&
            parsePositiveMs(parser, QStringLiteral("auth-timeout-ms"), &config.authTimeoutMs, &error);
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
    // The second bucket, on every frame, keeps the protocol's ratio to the first.
    config.limits.floodPerSecond = 5 * config.limits.ratePerSecond;
    config.limits.floodBurst = 5 * config.limits.rateBurst;

    config.serverId = parser.value(QStringLiteral("server-id"));
    if (!parser.isSet(QStringLiteral("server-id"))) {
        config.serverId = QStringLiteral("gw-%1-%2")
                              .arg(QSysInfo::machineHostName().left(32))
                              .arg(QRandomGenerator::system()->generate() % 0xFFFFFF, 6, 16,
                                   QLatin1Char('0'));
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
