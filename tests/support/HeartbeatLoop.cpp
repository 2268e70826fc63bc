#include "HeartbeatLoop.h"

#include "TestClient.h"

#include <QJsonObject>

HeartbeatLoop::HeartbeatLoop(QObject *parent)
    : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, [this] {
        const QJsonObject heartbeat{{QStringLiteral("type"), QStringLiteral("heartbeat")}};
        for (TestClient *client : m_clients()) {
            if (client && client->isConnected())
                client->send(heartbeat);
        }
        ++m_rounds;
    });
}

void HeartbeatLoop::start(Clients clients, int intervalMs)
{
    m_clients = std::move(clients);
    m_timer.start(intervalMs);
}

void HeartbeatLoop::start(const QList<TestClient *> &clients, int intervalMs)
{
    start([clients] { return clients; }, intervalMs);
}

void HeartbeatLoop::stop()
{
    m_timer.stop();
}
