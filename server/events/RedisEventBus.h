#pragma once

#include "events/EventBus.h"

#include <QMap>

namespace presently {

class RedisConnection;
class RedisLink;
class RedisSubscriber;

// User events over Redis pub/sub, channel "ev:u:<user>", subscribed while this gateway has a
// live session of the user. A publish that Redis never answered (its connection dropped, or
// was down) is published again once the connection is back, so an event made while Redis was
// away still arrives; receivers take a repeat as a no-op (a `message` event delivers up to a
// mid, a `contacts` event reloads). Typing is not repeated: late, it would be wrong.
class RedisEventBus : public EventBus {
    Q_OBJECT
public:
    // Uses `link`, which it does not own (the presence store shares it).
    explicit RedisEventBus(RedisLink *link, QObject *parent = nullptr);

    void listen(const QString &user) override;
    void unlisten(const QString &user) override;
    void publish(const QString &user, const UserEvent &event) override;

private:
    struct Publish {
        QByteArray channel;
        QByteArray payload;
    };

    void send(const Publish &publish, bool repeatIfLost);
    void onConnected();
    void onMessage(const QByteArray &channel, const QByteArray &payload);

    RedisConnection *m_commands;
    RedisSubscriber *m_subscriber;
    quint64 m_nextPublish = 0;
    QMap<quint64, Publish> m_unanswered; // in publish order
};

} // namespace presently
