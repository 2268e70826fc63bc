#pragma once

#include "redis/RedisAddress.h"

#include <QHash>
#include <QObject>
#include <QSet>

namespace presently {

class RedisConnection;

// The gateway's one pub/sub connection: reference-counted channels, all subscribed again after
// a reconnect (then resubscribed() tells listeners that messages may have been missed).
class RedisSubscriber : public QObject {
    Q_OBJECT
public:
    explicit RedisSubscriber(const RedisAddress &address, QObject *parent = nullptr);

    void open();
    bool isConnected() const;
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    int channelCount() const { return static_cast<int>(m_channels.size()); }
    // See RedisConnection::setTarget: every channel is subscribed again there.
    void setTarget(const QString &host, quint16 port);

Q_SIGNALS:
    void message(const QByteArray &channel, const QByteArray &payload);
    // After a reconnect, once Redis confirmed every subscription again: anything published while
    // we were away is lost to pub/sub, and listeners catch up from their source of truth.
    void resubscribed();

private:
    void onConnected();

    RedisConnection *m_connection;
    QHash<QByteArray, int> m_channels;
    QSet<QByteArray> m_awaitingConfirmation; // after a reconnect
    bool m_everConnected = false;
};

} // namespace presently
