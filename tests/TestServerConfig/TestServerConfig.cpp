// presently-server's settings: flags, a config file and the environment, with flags winning.
#include "app/ServerConfig.h"

#include <QTemporaryDir>
#include <QTest>

using namespace presently;

class TestServerConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cleanup();
    void defaults();
    void readsFlags();
    void configFileThenEnvironmentThenFlags();
    void refusesBadInput_data();
    void refusesBadInput();

private:
    std::optional<ServerConfig> parse(const QStringList &args, int *exitCode = nullptr);
    QString writeConfig(const QByteArray &text);
    QTemporaryDir m_dir;
};

void TestServerConfig::cleanup()
{
    qunsetenv("PRESENTLY_LISTEN");
    qunsetenv("PRESENTLY_SERVER_ID");
    qunsetenv("PRESENTLY_CONFIG");
}

std::optional<ServerConfig> TestServerConfig::parse(const QStringList &args, int *exitCode)
{
    int code = -1;
    std::optional<ServerConfig> config =
        ServerConfig::fromArguments(QStringList{QStringLiteral("presently-server")} + args, &code);
    if (exitCode)
        *exitCode = code;
    return config;
}

QString TestServerConfig::writeConfig(const QByteArray &text)
{
    const QString path = m_dir.filePath(QStringLiteral("server.conf"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(text);
    return path;
}

void TestServerConfig::defaults()
{
    const std::optional<ServerConfig> c = parse({});
    QVERIFY(c);
    QCOMPARE(c->listenHost, QStringLiteral("127.0.0.1"));
    QCOMPARE(c->listenPort, 8765);
    QVERIFY(!c->redis);
    QVERIFY(c->database.path.endsWith(QStringLiteral("presently.sqlite")));
    QCOMPARE(c->heartbeatIntervalMs, 10000);
    QCOMPARE(c->presenceTtlMs, 30000);
    QCOMPARE(c->authTimeoutMs, 10000);
    QVERIFY(c->serverId.startsWith(QStringLiteral("gw-")));
    QCOMPARE(c->limits.rateBurst, 40);
    QCOMPARE(c->limits.floodBurst, 200);
    QCOMPARE(c->batchWindowUs, 2000);
}

void TestServerConfig::readsFlags()
{
    const std::optional<ServerConfig> c =
        parse({QStringLiteral("--listen"), QStringLiteral("[::1]:0"), QStringLiteral("--redis"),
               QStringLiteral("redis://10.0.0.5:6380/3"), QStringLiteral("--db"),
               QStringLiteral("sqlite:/tmp/x.sqlite"), QStringLiteral("--presence-ttl-ms"), QStringLiteral("900"),
               QStringLiteral("--heartbeat-interval-ms"), QStringLiteral("300"), QStringLiteral("--server-id"),
               QStringLiteral("gw-7"), QStringLiteral("--batch-window-us"), QStringLiteral("0")});
    QVERIFY(c);
    QCOMPARE(c->listenHost, QStringLiteral("::1"));
    QCOMPARE(c->listenPort, 0);
    QCOMPARE(c->redis->host, QStringLiteral("10.0.0.5"));
    QCOMPARE(c->redis->port, 6380);
    QCOMPARE(c->redis->db, 3);
    QCOMPARE(c->database.path, QStringLiteral("/tmp/x.sqlite"));
    QCOMPARE(c->presenceTtlMs, 900);
    QCOMPARE(c->serverId, QStringLiteral("gw-7"));
    QCOMPARE(c->batchWindowUs, 0);
    QVERIFY(c->allowedOrigins.isEmpty()); // by default no browser page may connect
    QVERIFY(c->redis->password.isEmpty());

    // Redis credentials: a password alone, or an ACL user and its password (percent-decoded).
    const auto redisOf = [&](const QString &url) { return parse({QStringLiteral("--redis"), url})->redis; };
    QCOMPARE(redisOf(QStringLiteral("redis://s3cret@10.0.0.5:6380/3"))->password, QStringLiteral("s3cret"));
    QVERIFY(redisOf(QStringLiteral("redis://s3cret@10.0.0.5:6380/3"))->user.isEmpty());
    QCOMPARE(redisOf(QStringLiteral("redis://:s3cret@h/0"))->password, QStringLiteral("s3cret"));
    // Sentinels: several hosts, the primary's name, a database; the password is the data nodes'.
    const auto sentinel =
        redisOf(QStringLiteral("redis+sentinel://s3cret@10.0.0.1:26379,10.0.0.2:26380,[::1]:26381/chat/2"));
    QVERIFY(sentinel && sentinel->viaSentinel());
    QCOMPARE(sentinel->sentinels.size(), 3);
    QCOMPARE(sentinel->sentinels.at(1), (std::pair<QString, quint16>(QStringLiteral("10.0.0.2"), 26380)));
    QCOMPARE(sentinel->sentinels.at(2).first, QStringLiteral("::1"));
    QCOMPARE(sentinel->masterName, QStringLiteral("chat"));
    QCOMPARE(sentinel->db, 2);
    QCOMPARE(sentinel->password, QStringLiteral("s3cret"));
    QVERIFY(sentinel->host.isEmpty()); // until the Sentinels name the primary
    QCOMPARE(redisOf(QStringLiteral("redis+sentinel://h:26379/chat"))->db, 0);
    const auto acl = redisOf(QStringLiteral("redis://gateway:p%40ss%3Aword@h:1/2"));
    QCOMPARE(acl->user, QStringLiteral("gateway"));
    QCOMPARE(acl->password, QStringLiteral("p@ss:word"));
    QCOMPARE(acl->authArguments(), (QList<QByteArray>{"AUTH", "gateway", "p@ss:word"}));

    const std::optional<ServerConfig> origins =
        parse({QStringLiteral("--allowed-origins"), QStringLiteral("https://chat.example.com, http://localhost:3000")});
    QVERIFY(origins);
    QCOMPARE(origins->allowedOrigins,
             (QStringList{QStringLiteral("https://chat.example.com"), QStringLiteral("http://localhost:3000")}));
    qputenv("PRESENTLY_ALLOWED_ORIGINS", "*");
    QCOMPARE(parse({})->allowedOrigins, QStringList{QStringLiteral("*")});
    qunsetenv("PRESENTLY_ALLOWED_ORIGINS");

    // The network edge: TLS, proxies, per-address and sign-in limits.
    const std::optional<ServerConfig> edge =
        parse({QStringLiteral("--tls-cert"), QStringLiteral("/etc/c.pem"), QStringLiteral("--tls-key"),
               QStringLiteral("/etc/k.pem"), QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
               QStringLiteral("--trusted-proxies"), QStringLiteral("10.0.0.0/8, 192.0.2.7, 2001:db8::/32"),
               QStringLiteral("--max-connections-per-address"), QStringLiteral("200"),
               QStringLiteral("--failed-sign-ins-per-account"), QStringLiteral("3"),
               QStringLiteral("--max-tls-handshakes"), QStringLiteral("16")});
    QVERIFY(edge);
    QCOMPARE(edge->tlsCertificatePath, QStringLiteral("/etc/c.pem"));
    QCOMPARE(edge->tlsKeyPath, QStringLiteral("/etc/k.pem"));
    QCOMPARE(edge->trustedProxies.size(), 3);
    QVERIFY(ClientAddress::isIn(QHostAddress(QStringLiteral("10.1.2.3")), edge->trustedProxies));
    QVERIFY(ClientAddress::isIn(QHostAddress(QStringLiteral("::ffff:192.0.2.7")), edge->trustedProxies));
    QVERIFY(!ClientAddress::isIn(QHostAddress(QStringLiteral("192.0.2.8")), edge->trustedProxies));
    QCOMPARE(edge->maxConnectionsPerAddress, 200);
    QCOMPARE(edge->failedSignInsPerAccount, 3);
    QCOMPARE(edge->failedSignInsPerAddress, 20);
    QCOMPARE(edge->maxTlsHandshakes, 16);
}

void TestServerConfig::configFileThenEnvironmentThenFlags()
{
    const QString path = writeConfig("# comment\nlisten = 127.0.0.1:9000\nserver-id = from-file\n\nrate-burst = 80\n");
    std::optional<ServerConfig> c = parse({QStringLiteral("--config"), path});
    QVERIFY(c);
    QCOMPARE(c->listenPort, 9000);
    QCOMPARE(c->serverId, QStringLiteral("from-file"));
    QCOMPARE(c->limits.rateBurst, 80);
    QCOMPARE(c->limits.floodBurst, 400);

    qputenv("PRESENTLY_SERVER_ID", "from-env");
    c = parse({QStringLiteral("--config"), path});
    QCOMPARE(c->serverId, QStringLiteral("from-env"));
    QCOMPARE(c->listenPort, 9000);

    c = parse({QStringLiteral("--config=") + path, QStringLiteral("--server-id"), QStringLiteral("from-flag")});
    QCOMPARE(c->serverId, QStringLiteral("from-flag"));

    qputenv("PRESENTLY_CONFIG", path.toUtf8()); // the file can be named by environment too
    qunsetenv("PRESENTLY_SERVER_ID");
    c = parse({});
    QCOMPARE(c->serverId, QStringLiteral("from-file"));
}

void TestServerConfig::refusesBadInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("config");
    QTest::newRow("listen without port") << QStringList{QStringLiteral("--listen"), QStringLiteral("localhost")}
                                         << QByteArray();
    QTest::newRow("redis url") << QStringList{QStringLiteral("--redis"), QStringLiteral("http://x")} << QByteArray();
    QTest::newRow("sentinel without a master name")
        << QStringList{QStringLiteral("--redis"), QStringLiteral("redis+sentinel://h:26379")} << QByteArray();
    QTest::newRow("sentinel without a port")
        << QStringList{QStringLiteral("--redis"), QStringLiteral("redis+sentinel://h:26379,h2/chat")} << QByteArray();
    QTest::newRow("redis user without password")
        << QStringList{QStringLiteral("--redis"), QStringLiteral("redis://gateway:@h:1/0")} << QByteArray();
    QTest::newRow("db") << QStringList{QStringLiteral("--db"), QStringLiteral("/tmp/x")} << QByteArray();
    QTest::newRow("ttl not above heartbeat")
        << QStringList{QStringLiteral("--presence-ttl-ms"), QStringLiteral("500"),
                       QStringLiteral("--heartbeat-interval-ms"), QStringLiteral("500")}
        << QByteArray();
    QTest::newRow("negative ms") << QStringList{QStringLiteral("--auth-timeout-ms"), QStringLiteral("-1")}
                                 << QByteArray();
    QTest::newRow("batch window negative")
        << QStringList{QStringLiteral("--batch-window-us"), QStringLiteral("-5")} << QByteArray();
    QTest::newRow("batch window too long")
        << QStringList{QStringLiteral("--batch-window-us"), QStringLiteral("2000000")} << QByteArray();
    QTest::newRow("origin with a path") << QStringList{QStringLiteral("--allowed-origins"),
                                                       QStringLiteral("https://chat.example.com/app")}
                                        << QByteArray();
    QTest::newRow("origin without a scheme")
        << QStringList{QStringLiteral("--allowed-origins"), QStringLiteral("chat.example.com")} << QByteArray();
    QTest::newRow("cert without key") << QStringList{QStringLiteral("--tls-cert"), QStringLiteral("/c.pem")}
                                      << QByteArray();
    QTest::newRow("proxy not an address")
        << QStringList{QStringLiteral("--proxy-protocol"), QStringLiteral("v2"), QStringLiteral("--trusted-proxies"),
                       QStringLiteral("10.0.0.0/8, lb.example.com")}
        << QByteArray();
    QTest::newRow("proxies without the protocol")
        << QStringList{QStringLiteral("--trusted-proxies"), QStringLiteral("10.0.0.0/8")} << QByteArray();
    QTest::newRow("protocol without proxies")
        << QStringList{QStringLiteral("--proxy-protocol"), QStringLiteral("v2")} << QByteArray();
    QTest::newRow("protocol v1") << QStringList{QStringLiteral("--proxy-protocol"), QStringLiteral("v1")}
                                 << QByteArray();
    QTest::newRow("no handshakes") << QStringList{QStringLiteral("--max-tls-handshakes"), QStringLiteral("0")}
                                   << QByteArray();
    QTest::newRow("unknown flag") << QStringList{QStringLiteral("--nope")} << QByteArray();
    QTest::newRow("stray argument") << QStringList{QStringLiteral("extra")} << QByteArray();
    QTest::newRow("config unknown key") << QStringList{} << QByteArray("colour = blue\n");
    QTest::newRow("config no equals") << QStringList{} << QByteArray("listen 127.0.0.1:1\n");
    QTest::newRow("config missing") << QStringList{QStringLiteral("--config"),
                                                   QStringLiteral("/nonexistent/server.conf")}
                                    << QByteArray();
}

void TestServerConfig::refusesBadInput()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, config);
    if (!config.isEmpty())
        args << QStringLiteral("--config") << writeConfig(config);
    int exitCode = -1;
    QVERIFY(!parse(args, &exitCode));
    QCOMPARE(exitCode, 2);
}

QTEST_GUILESS_MAIN(TestServerConfig)
#include "TestServerConfig.moc"
