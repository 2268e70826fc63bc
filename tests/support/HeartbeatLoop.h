#pragma once

#include <QList>
#include <QObject>
#include <QTimer>
#include <functional>

class TestClient;

// Test clients heartbeating on a timer, as real ones do, while a test waits for something else
// (a session that only waits would run out its TTL). Only connected clients are sent to.
class HeartbeatLoop : public QObject {
    Q_OBJECT
public:
    using Clients = std::function<QList<TestClient *>()>;

    explicit HeartbeatLoop(QObject *parent = nullptr);

    // `clients` is asked at every beat (clients come and go in some tests).
    void start(Clients clients, int intervalMs);
    void start(const QList<TestClient *> &clients, int intervalMs);
    void stop();
    // Beats so far.
    int rounds() const { return m_rounds; }

private:
    QTimer m_timer;
    Clients m_clients;
    int m_rounds = 0;
};
