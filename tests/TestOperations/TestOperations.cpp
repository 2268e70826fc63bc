// What operators and load balancers ask a gateway over plain HTTP: /healthz, /readyz (which
// follows Redis, the database and draining) and /metrics (Prometheus text on the admin address
// only), against a real presently-server and a real redis-server.
#include "HttpProbe.h"
#include "RedisFixture.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "TestUsers.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestUsers;

namespace {
const QString kPassword = QStringLiteral("correct horse");

struct HttpAnswer {
    int status = 0; // 0: no answer
    QByteArray body;
};

// One request on its own connection, read until the server closes it.
HttpAnswer httpGet(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(request);
    QByteArray response;
    QDeadlineTimer deadline(10000);
    while (socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        socket.waitForReadyRead(100);
        response += socket.readAll();
    }
    response += socket.readAll();
    const QRegularExpressionMatch status =
        QRegularExpression(QStringLiteral("^HTTP/1\\.1 (\\d{3}) ")).match(QString::fromLatin1(response));
    const qsizetype bodyAt = response.indexOf("\r\n\r\n");
    return {status.hasMatch() ? status.captured(1).toInt() : 0, bodyAt < 0 ? QByteArray() : response.mid(bodyAt + 4)};
}

HttpAnswer get(quint16 port, const QByteArray &path)
{
    return httpGet(port, "GET " + path + " HTTP/1.1\r\nHost: gateway\r\n\r\n");
}

// The value of one series in a scrape; -1 when absent.
double series(const QByteArray &scrape, const QString &name)
{
    return HttpProbe::series(scrape, name.toUtf8());
}

bool waitForStatus(quint16 port, const QByteArray &path, int status, int timeoutMs, HttpAnswer *last)
{
    return QTest::qWaitFor(
        [&] {
            *last = get(port, path);
            return last->status == status;
        },
        timeoutMs);
}
} // namespace

class TestOperations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void healthOnBothPortsMetricsOnTheAdminOnly();
    void metricsCountWhatHappened();
    void readinessFollowsRedis();
    void drainingSaysNotReadyThenCloses();

private:
    ServerProcess *startGateway(const QStringList &extra = {});

    RedisFixture m_redis;
    QTemporaryDir m_dir;
    QList<ServerProcess *> m_gateways;
    int m_runs = 0;
};

void TestOperations::initTestCase()
{
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));
}

void TestOperations::cleanup()
{
    qDeleteAll(m_gateways); // each ended by its PID
    m_gateways.clear();
}

ServerProcess *TestOperations::startGateway(const QStringList &extra)
{
    auto *gw = new ServerProcess;
    m_gateways.append(gw);
    ++m_runs;
    QString error;
    const QStringList args =
        QStringList{QStringLiteral("--db"),
                    QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("ops%1.sqlite").arg(m_runs)),
                    QStringLiteral("--redis"),
                    m_redis.url(),
                    QStringLiteral("--admin-listen"),
                    QStringLiteral("127.0.0.1:0")} +
        extra;
    if (!gw->start(args, &error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    return gw;
}

void TestOperations::healthOnBothPortsMetricsOnTheAdminOnly()
{
    ServerProcess *gw = startGateway();
    QVERIFY(gw && gw->adminPort() != 0);
    for (quint16 port : {gw->port(), gw->adminPort()}) {
        const HttpAnswer health = get(port, "/healthz");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.body, QByteArray("ok\n"));
        HttpAnswer ready;
        QVERIFY2(waitForStatus(port, "/readyz", 200, 5000, &ready), ready.body.constData());
        QCOMPARE(ready.body, QByteArray("ready\n"));
        // As HAProxy's httpchk sends it by default: HTTP/1.0, no Host.
        QCOMPARE(httpGet(port, "GET /readyz HTTP/1.0\r\n\r\n").status, 200);
    }
    // Metrics are for operators: never on the public port.
    QCOMPARE(get(gw->port(), "/metrics").status, 426);
    QCOMPARE(get(gw->port(), "/").status, 426);
    const HttpAnswer metrics = get(gw->adminPort(), "/metrics");
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.body.contains("# TYPE presently_sessions gauge"));
    QVERIFY(metrics.body.contains("# TYPE presently_redis_command_seconds histogram"));
    QCOMPARE(series(metrics.body, QStringLiteral("presently_ready")), 1.0);
    QCOMPARE(get(gw->adminPort(), "/nothing").status, 404);
    // Bounded: a request head over 8 KiB is refused, not read on.
    QCOMPARE(httpGet(gw->adminPort(), "GET /metrics HTTP/1.1\r\nX: " + QByteArray(9000, 'a') + "\r\n\r\n").status, 431);
    // WebSocket clients are served as before.
    QVERIFY(signedIn(gw->url(), QStringLiteral("walter"), kPassword, true));
}

void TestOperations::metricsCountWhatHappened()
{
    ServerProcess *gw = startGateway();
    QVERIFY(gw);
    auto alice = signedIn(gw->url(), QStringLiteral("alice"), kPassword, true);
    auto bob = signedIn(gw->url(), QStringLiteral("bob"), kPassword, true);
    QVERIFY(alice && bob);
    QVERIFY(befriend(*alice, QStringLiteral("alice"), *bob, QStringLiteral("bob")));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}))),
                 QStringLiteral("heartbeat_ack"));
    QCOMPARE(type(alice->request(obj({{QStringLiteral("type"), QStringLiteral("send")},
                                      {QStringLiteral("to"), QStringLiteral("bob")},
                                      {QStringLiteral("cid"), QStringLiteral("c-1")},
                                      {QStringLiteral("body"), QStringLiteral("hello")}}))),
             QStringLiteral("sent"));
    QVERIFY(bob->waitForType(QStringLiteral("message")));
    QCOMPARE(type(bob->request(obj({{QStringLiteral("type"), QStringLiteral("set_status")},
                                    {QStringLiteral("mode"), QStringLiteral("dnd")}}))),
             QStringLiteral("ok"));
    QVERIFY(alice->waitForPresence(QStringLiteral("bob"), QStringLiteral("dnd")));
    TestClient guesser;
    QVERIFY(!guesser.signIn(gw->url(), QStringLiteral("alice"), QStringLiteral("wrong horse"), false));

    QByteArray scrape;
    const auto is = [&](const QString &name, double value) {
        return QTest::qWaitFor(
            [&] {
                scrape = get(gw->adminPort(), "/metrics").body;
                return series(scrape, name) == value;
            },
            5000);
    };
    QVERIFY2(is(QStringLiteral("presently_sessions"), 2), scrape.constData());
    QVERIFY2(is(QStringLiteral("presently_connections"), 2), scrape.constData());
    QCOMPARE(series(scrape, QStringLiteral("presently_messages_stored_total")), 1.0);
    QCOMPARE(series(scrape, QStringLiteral("presently_messages_delivered_total")), 1.0);
    QCOMPARE(series(scrape, QStringLiteral("presently_heartbeats_total")), 3.0);
    QCOMPARE(series(scrape, QStringLiteral("presently_auth_failures_total{reason=\"wrong_credentials\"}")), 1.0);
    QCOMPARE(series(scrape, QStringLiteral("presently_websocket_handshakes_total{result=\"accepted\"}")), 3.0);
    QVERIFY(series(scrape, QStringLiteral("presently_frames_received_total")) >= 10);
    QVERIFY(series(scrape, QStringLiteral("presently_presence_delivered_total")) >= 1); // bob's dnd to alice
    QVERIFY(series(scrape, QStringLiteral("presently_presence_writes_total")) >= 3);    // two sessions, a mode
    QVERIFY(series(scrape, QStringLiteral("presently_redis_command_seconds_count")) > 0);
    QVERIFY(series(scrape, QStringLiteral("presently_sql_job_seconds_count{job=\"commit_window\"}")) > 0);
    QVERIFY(series(scrape, QStringLiteral("presently_event_loop_lag_seconds_count")) > 0);
}

void TestOperations::readinessFollowsRedis()
{
    ServerProcess *gw = startGateway();
    QVERIFY(gw);
    HttpAnswer ready;
    QVERIFY2(waitForStatus(gw->port(), "/readyz", 200, 5000, &ready), ready.body.constData());
    m_redis.stop();
    QVERIFY2(waitForStatus(gw->port(), "/readyz", 503, 10000, &ready), ready.body.constData());
    QVERIFY2(ready.body.contains("Redis"), ready.body.constData());
    QCOMPARE(series(get(gw->adminPort(), "/metrics").body, QStringLiteral("presently_ready")), 0.0);
    QCOMPARE(get(gw->port(), "/healthz").status, 200); // alive all along
    QString error;
    QVERIFY2(m_redis.restart(&error), qPrintable(error));
    QVERIFY2(waitForStatus(gw->port(), "/readyz", 200, 15000, &ready), ready.body.constData());
}

void TestOperations::drainingSaysNotReadyThenCloses()
{
    ServerProcess *gw = startGateway({QStringLiteral("--drain-ms"), QStringLiteral("1500")});
    QVERIFY(gw);
    auto carol = signedIn(gw->url(), QStringLiteral("carol"), kPassword, true);
    QVERIFY(carol);
    HttpAnswer ready;
    QVERIFY2(waitForStatus(gw->port(), "/readyz", 200, 5000, &ready), ready.body.constData());
    gw->terminate();
    QVERIFY2(waitForStatus(gw->port(), "/readyz", 503, 1000, &ready), ready.body.constData());
    QVERIFY2(ready.body.contains("draining"), ready.body.constData());
    // Those held are served meanwhile.
    QCOMPARE(type(carol->request(obj({{QStringLiteral("type"), QStringLiteral("heartbeat")}}))),
             QStringLiteral("heartbeat_ack"));
    QVERIFY(carol->isConnected());
    // Then everyone is told 1001 and the process ends.
    QVERIFY(carol->waitForClosed(5000));
    QCOMPARE(carol->closeCode(), 1001);
    QVERIFY(gw->waitForExit(5000));
}

QTEST_GUILESS_MAIN(TestOperations)
#include "TestOperations.moc"
