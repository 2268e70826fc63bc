#include "RedisEventBus.h"

#include "RedisConnection.h"
#include "RedisSubscriber.h"

#include <QJsonDocument>

namespace presently {

namespace {
const QByteArray kPrefix = QByteArrayLiteral("ev:u:");
}

RedisEventBus::RedisEventBus(RedisConnection *commands, RedisSubscriber *subscriber, QObject *parent)
    : EventBus(parent)
    , m_commands(commands)
    , m_subscriber(subscriber)
{
    connect(subscriber, &RedisSubscriber::message, this, &RedisEventBus::onMessage);
    connect(subscriber, &RedisSubscriber::resubscribed, this, &EventBus::eventsMayHaveBeenLost);
}

void RedisEventBus::listen(const QString &user)
{
    m_subscriber->subscribe(kPrefix + user.toUtf8());
}

void RedisEventBus::unlisten(const QString &user)
{
    m_subscriber->unsubscribe(kPrefix + user.toUtf8());
}

void RedisEventBus::publish(const QString &user, const QJsonObject &event)
{
    m_commands->command({"PUBLISH", kPrefix + user.toUtf8(), QJsonDocument(event).toJson(QJsonDocument::Compact)});
}

void RedisEventBus::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (!channel.startsWith(kPrefix))
        return;
    const QJsonDocument doc = QJsonDocument::fromJson(payload);
    if (doc.isObject())
        Q_EMIT eventReceived(QString::fromUtf8(channel.mid(kPrefix.size())), doc.object());
}

} // namespace presently
