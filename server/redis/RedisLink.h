#pragma once

#include "redis/RedisAddress.h"

#include <QObject>

namespace presently {

class RedisConnection;
class RedisSentinel;
class RedisSubscriber;

// A gateway's link to one Redis: a command connection and a pub/sub connection, built once by
// the composition root and used by the presence store and the event bus alike. With Sentinels,
// both follow the primary they name.
class RedisLink : public QObject {
    Q_OBJECT
public:
    explicit RedisLink(const RedisAddress &address, QObject *parent = nullptr);

    RedisConnection *commands() const { return m_commands; }
    RedisSubscriber *subscriber() const { return m_subscriber; }
    // Connects both (again and again, by themselves, after a loss). Calling it twice is harmless.
    void open();
    bool isConnected() const;
    // At start-up, with credentials: false (and why, in `error`) only when Redis answers and
    // refuses them; a Redis that cannot be reached yet is waited for like any other outage.
    static bool checkCredentials(const RedisAddress &address, QString *error);

private:
    RedisConnection *m_commands;
    RedisSubscriber *m_subscriber;
    RedisSentinel *m_sentinel = nullptr; // redis+sentinel:// only
};

} // namespace presently
