#pragma once

#include "EventBus.h"

namespace presently {

class RedisConnection;
class RedisSubscriber;

// User events over Redis pub/sub, channel "ev:u:<user>", subscribed while this gateway has a
// live session of the user.
class RedisEventBus : public EventBus {
    Q_OBJECT
public:
    RedisEventBus(RedisConnection *commands, RedisSubscriber *subscriber, QObject *parent = nullptr);

    void listen(const QString &user) override;
    void unlisten(const QString &user) override;
    void publish(const QString &user, const QJsonObject &event) override;

private:
    void onMessage(const QByteArray &channel, const QByteArray &payload);

    RedisConnection *m_commands;
    RedisSubscriber *m_subscriber;
};

} // namespace presently
