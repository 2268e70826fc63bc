#include "redis/RedisLink.h"

#include "redis/RedisConnection.h"
#include "redis/RedisSubscriber.h"

namespace presently {

RedisLink::RedisLink(const RedisAddress &address, QObject *parent)
    : QObject(parent)
    , m_commands(new RedisConnection(address, RedisConnection::Mode::Commands, this))
    , m_subscriber(new RedisSubscriber(address, this))
{}

void RedisLink::open()
{
    m_commands->open();
    m_subscriber->open();
}

bool RedisLink::isConnected() const
{
    return m_commands->isConnected() && m_subscriber->isConnected();
}

} // namespace presently
