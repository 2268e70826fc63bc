// The gateway's epoll event dispatcher as Qt uses it: timers (repeating, single-shot, zero,
// stopped from their own handler), posted and deferred-delete events, cross-thread wake-ups, and
// real sockets (a WebSocket echo round trip on this dispatcher).
#include "EpollEventDispatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointer>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

class TestEpollEventDispatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void isInstalled();
    void repeatingTimerFiresOnSchedule();
    void singleShotAndZeroTimers();
    void timerStoppedInItsOwnHandler();
    void postedEventsAndDeleteLater();
    void wakesUpForOtherThreads();
    void servesWebSockets();
};

void TestEpollEventDispatcher::isInstalled()
{
    QVERIFY(qobject_cast<presently::EpollEventDispatcher *>(QCoreApplication::eventDispatcher()));
}

void TestEpollEventDispatcher::repeatingTimerFiresOnSchedule()
{
    QTimer timer;
    timer.setInterval(20);
    int fired = 0;
    connect(&timer, &QTimer::timeout, this, [&] { ++fired; });
    QElapsedTimer clock;
    clock.start();
    timer.start();
    QVERIFY(QTest::qWaitFor([&] { return fired >= 10; }, 5000));
    QVERIFY2(clock.elapsed() >= 190, qPrintable(QString::number(clock.elapsed()))); // not early
    timer.stop();
    const int stoppedAt = fired;
    QTest::qWait(60); // asserting absence: a stopped timer stays quiet over three intervals
    QCOMPARE(fired, stoppedAt);
}

void TestEpollEventDispatcher::singleShotAndZeroTimers()
{
    bool shot = false;
    QTimer::singleShot(30, this, [&] { shot = true; });
    QVERIFY(QTest::qWaitFor([&] { return shot; }, 2000));
    QTimer zero;
    zero.setInterval(0);
    int spins = 0;
    connect(&zero, &QTimer::timeout, this, [&] {
        if (++spins == 100)
            zero.stop();
    });
    zero.start();
    QVERIFY(QTest::qWaitFor([&] { return spins >= 100; }, 2000));
    QCOMPARE(spins, 100);
}

void TestEpollEventDispatcher::timerStoppedInItsOwnHandler()
{
    auto *timer = new QTimer;
    timer->setInterval(5);
    int fired = 0;
    connect(timer, &QTimer::timeout, this, [&] {
        ++fired;
        timer->stop();
        timer->deleteLater();
    });
    timer->start();
    QVERIFY(QTest::qWaitFor([&] { return fired == 1; }, 2000));
    QTest::qWait(30);
    QCOMPARE(fired, 1);
}

void TestEpollEventDispatcher::postedEventsAndDeleteLater()
{
    bool invoked = false;
    QMetaObject::invokeMethod(
        this, [&] { invoked = true; }, Qt::QueuedConnection);
    QVERIFY(QTest::qWaitFor([&] { return invoked; }, 2000));
    QPointer<QObject> doomed = new QObject;
    doomed->deleteLater();
    QVERIFY(QTest::qWaitFor([&] { return doomed.isNull(); }, 2000));
}

void TestEpollEventDispatcher::wakesUpForOtherThreads()
{
    bool delivered = false;
    QThread *thread = QThread::create([this, &delivered] {
        QThread::msleep(50);
        QMetaObject::invokeMethod(
            this, [&delivered] { delivered = true; }, Qt::QueuedConnection);
    });
    QElapsedTimer clock;
    clock.start();
    thread->start();
    // Nothing else is scheduled: only the cross-thread wake-up ends the wait.
    QVERIFY(QTest::qWaitFor([&] { return delivered; }, 5000));
    QVERIFY(clock.elapsed() < 2000);
    thread->wait();
    delete thread;
}

void TestEpollEventDispatcher::servesWebSockets()
{
    QWebSocketServer server(QStringLiteral("echo"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QWebSocketServer::newConnection, this, [&] {
        QWebSocket *peer = server.nextPendingConnection();
        connect(peer, &QWebSocket::textMessageReceived, peer, [peer](const QString &t) { peer->sendTextMessage(t); });
        connect(peer, &QWebSocket::disconnected, peer, &QObject::deleteLater);
    });
    QWebSocket client;
    QStringList echoed;
    connect(&client, &QWebSocket::textMessageReceived, this, [&](const QString &t) { echoed.append(t); });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort())));
    QVERIFY(QTest::qWaitFor([&] { return client.state() == QAbstractSocket::ConnectedState; }, 5000));
    for (int i = 0; i < 100; ++i)
        client.sendTextMessage(QStringLiteral("m%1").arg(i));
    QVERIFY(QTest::qWaitFor([&] { return echoed.size() == 100; }, 5000));
    QCOMPARE(echoed.last(), QStringLiteral("m99"));
    client.close();
    QVERIFY(QTest::qWaitFor([&] { return client.state() == QAbstractSocket::UnconnectedState; }, 5000));
}

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new presently::EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "TestEpollEventDispatcher.moc"
