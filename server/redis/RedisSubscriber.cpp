#include "redis/RedisSubscriber.h"

#include "redis/RedisConnection.h"

namespace presently {

RedisSubscriber::RedisSubscriber(const RedisAddress &address, QObject *parent)
    : QObject(parent)
    , m_connection(new RedisConnection(address, RedisConnection::Mode::PubSub, this))
{
    connect(m_connection, &RedisConnection::connected, this, &RedisSubscriber::onConnected);
    connect(m_connection, &RedisConnection::message, this, &RedisSubscriber::message);
    connect(m_connection, &RedisConnection::subscribed, this, [this](const QByteArray &channel) {
        if (m_awaitingConfirmation.remove(channel) && m_awaitingConfirmation.isEmpty())
            Q_EMIT resubscribed();
    });
}

void RedisSubscriber::open()
{
    m_connection->open();
}

void RedisSubscriber::setTarget(const QString &host, quint16 port)
{
    m_connection->setTarget(host, port);
}

bool RedisSubscriber::isConnected() const
{
    return m_connection->isConnected();
}

void RedisSubscriber::subscribe(const QByteArray &channel)
{
    if (m_channels[channel]++ == 0)
        m_connection->command({"SUBSCRIBE", channel});
}

void RedisSubscriber::unsubscribe(const QByteArray &channel)
{
    const auto it = m_channels.find(channel);
    if (it == m_channels.end())
        return;
    if (--*it == 0) {
        m_channels.erase(it);
        m_connection->command({"UNSUBSCRIBE", channel});
    }
}

void RedisSubscriber::onConnected()
{
    constexpr int kBatch = 1000;
    QList<QByteArray> args{"SUBSCRIBE"};
    for (auto it = m_channels.cbegin(); it != m_channels.cend(); ++it) {
        args.append(it.key());
        if (args.size() > kBatch) {
            m_connection->command(args);
            args = {"SUBSCRIBE"};
        }
    }
    if (args.size() > 1)
        m_connection->command(args);
    if (m_everConnected) {
        m_awaitingConfirmation = QSet<QByteArray>(m_channels.keyBegin(), m_channels.keyEnd());
        if (m_awaitingConfirmation.isEmpty())
            Q_EMIT resubscribed();
    }
    m_everConnected = true;
}

} // namespace presently
