// The gateway's epoll event dispatcher as Qt uses it: timers (repeating, single-shot, zero,
// stopped from their own handler), posted and deferred-delete events, cross-thread wake-ups, and
// real sockets (a WebSocket echo round trip on this dispatcher, and sockets watched directly
// through SocketWatcher).
#include "net/EpollEventDispatcher.h"
#include "net/SocketWatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>
#include <functional>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

namespace {
// Counts what its watcher reports; reads what is there so that a readable socket quietens.
class CountingHandler : public presently::SocketWatcher::Handler {
public:
    explicit CountingHandler(int fd)
        : m_fd(fd)
    {}
    void socketReadable() override
    {
        char buffer[64];
        [[maybe_unused]] const ssize_t n = read(m_fd, buffer, sizeof buffer);
        ++readable;
        if (onReadable)
            onReadable();
        if (then)
            then();
    }
    void socketWritable() override { ++writable; }

    int readable = 0;
    int writable = 0;
    std::function<void()> onReadable;
    std::function<void()> then; // after onReadable

private:
    int m_fd;
};

struct SocketPair {
    SocketPair() { QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0); }
    ~SocketPair()
    {
        close(fds[0]);
        close(fds[1]);
    }
    int fds[2] = {-1, -1};
};
} // namespace

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
    void watchesSocketsDirectly();
    void watchStoppedDuringAPassIsNotCalled();
    void batchWindowHoldsSessionsOnly();
    void interactiveTrafficIsNotBatched();
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

void TestEpollEventDispatcher::watchesSocketsDirectly()
{
    SocketPair pair;
    CountingHandler handler(pair.fds[0]);
    presently::SocketWatcher watcher(pair.fds[0], &handler, this);
    QTest::qWait(20);
    QCOMPARE(handler.readable, 0); // nothing to read yet
    QCOMPARE(handler.writable, 0); // writability is not watched until asked for
    QCOMPARE(write(pair.fds[1], "x", 1), ssize_t(1));
    QVERIFY(QTest::qWaitFor([&] { return handler.readable == 1; }, 2000));
    watcher.setWriteWatched(true);
    QVERIFY(QTest::qWaitFor([&] { return handler.writable > 0; }, 2000));
    watcher.setWriteWatched(false);
    const int writable = handler.writable;
    watcher.stop();
    QCOMPARE(write(pair.fds[1], "y", 1), ssize_t(1));
    QTest::qWait(50);
    QCOMPARE(handler.readable, 1);
    QCOMPARE(handler.writable, writable);
}

void TestEpollEventDispatcher::watchStoppedDuringAPassIsNotCalled()
{
    // Both sockets are ready in the same pass; whichever is called first stops (and deletes) the
    // other's watcher, which must then not be called.
    SocketPair first;
    SocketPair second;
    CountingHandler firstHandler(first.fds[0]);
    CountingHandler secondHandler(second.fds[0]);
    auto firstWatcher = std::make_unique<presently::SocketWatcher>(first.fds[0], &firstHandler, this);
    auto secondWatcher = std::make_unique<presently::SocketWatcher>(second.fds[0], &secondHandler, this);
    firstHandler.onReadable = [&] { secondWatcher.reset(); };
    secondHandler.onReadable = [&] { firstWatcher.reset(); };
    QCOMPARE(write(first.fds[1], "x", 1), ssize_t(1));
    QCOMPARE(write(second.fds[1], "x", 1), ssize_t(1));
    QVERIFY(QTest::qWaitFor([&] { return firstHandler.readable + secondHandler.readable > 0; }, 2000));
    QTest::qWait(50);
    QCOMPARE(firstHandler.readable + secondHandler.readable, 1);
}

namespace {
// The dispatcher's batch window set for one test, and reset after it however it ends.
struct BatchWindow {
    explicit BatchWindow(int us) { presently::EpollEventDispatcher::current()->setBatchWindow(us); }
    ~BatchWindow() { presently::EpollEventDispatcher::current()->setBatchWindow(0); }
};

// Runs an event loop as a server does (waiting for events; QTest::qWaitFor never waits inside
// the dispatcher) until `loop` is quit, or fails after two seconds.
bool runUntilQuit(QEventLoop &loop)
{
    QTimer::singleShot(2000, &loop, [&loop] { loop.exit(1); });
    return loop.exec() == 0;
}

// Writes a byte for `handler` and returns the milliseconds until it was served, or -1.
qint64 serve(CountingHandler &handler, int peer)
{
    QEventLoop loop;
    handler.then = [&loop] { loop.quit(); };
    QElapsedTimer clock;
    clock.start();
    if (write(peer, "x", 1) != 1 || !runUntilQuit(loop))
        return -1;
    handler.then = nullptr;
    return clock.elapsed();
}
} // namespace

void TestEpollEventDispatcher::batchWindowHoldsSessionsOnly()
{
    // A long window, so that what it holds back and what it does not are told apart by far.
    constexpr qint64 kWindowMs = 400;
    const BatchWindow window(kWindowMs * 1000);
    SocketPair session;
    CountingHandler handler(session.fds[0]);
    presently::SocketWatcher watcher(session.fds[0], &handler, this);

    // The first frame after a quiet time is served at once; after a pass that served a session,
    // the next session frame waits for the window...
    const qint64 first = serve(handler, session.fds[1]);
    QVERIFY(first >= 0 && first < kWindowMs / 2);
    QVERIFY2(serve(handler, session.fds[1]) >= kWindowMs / 2, "not held back");

    // ...but a notifier's socket (Redis, the listener) ends it at once,
    SocketPair redis;
    QSocketNotifier notifier(redis.fds[0], QSocketNotifier::Read);
    QEventLoop notified;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        char buffer[8];
        [[maybe_unused]] const ssize_t n = read(redis.fds[0], buffer, sizeof buffer);
        notified.quit();
    });
    QVERIFY(serve(handler, session.fds[1]) >= 0);
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(write(redis.fds[1], "r", 1), ssize_t(1));
    QVERIFY(runUntilQuit(notified));
    QVERIFY2(clock.elapsed() < kWindowMs / 2, qPrintable(QString::number(clock.elapsed())));

    // ...and so does a timer that is due.
    QVERIFY(serve(handler, session.fds[1]) >= 0);
    clock.restart();
    QEventLoop fired;
    QTimer::singleShot(20, &fired, &QEventLoop::quit);
    QVERIFY(runUntilQuit(fired));
    QVERIFY2(clock.elapsed() < kWindowMs / 2, qPrintable(QString::number(clock.elapsed())));
}

void TestEpollEventDispatcher::interactiveTrafficIsNotBatched()
{
    constexpr qint64 kWindowMs = 400;
    const BatchWindow window(kWindowMs * 1000);
    SocketPair session;
    CountingHandler handler(session.fds[0]);
    presently::SocketWatcher watcher(session.fds[0], &handler, this);
    handler.onReadable = [&] { watcher.noteInteractive(); }; // as for a status change or message
    QVERIFY(serve(handler, session.fds[1]) >= 0);
    const qint64 next = serve(handler, session.fds[1]);
    QVERIFY2(next >= 0 && next < kWindowMs / 2, qPrintable(QString::number(next)));
}

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new presently::EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "TestEpollEventDispatcher.moc"
