#include "events/RedisEventBus.h"

#include "redis/RedisConnection.h"
#include "redis/RedisSubscriber.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <utility>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

namespace presently {

namespace {
const QByteArray kPrefix = QByteArrayLiteral("ev:u:");
// Events held for a Redis that is away: beyond this the oldest are dropped (their receivers
// catch up at their next sign-in or bus reconnect).
constexpr qsizetype kMaxUnanswered = 100000;
} // namespace

RedisEventBus::RedisEventBus(RedisConnection *commands, RedisSubscriber *subscriber, QObject *parent)
    : EventBus(parent)
    , m_commands(commands)
    , m_subscriber(subscriber)
{
    connect(subscriber, &RedisSubscriber::message, this, &RedisEventBus::onMessage);
    connect(subscriber, &RedisSubscriber::resubscribed, this, &EventBus::eventsMayHaveBeenLost);
    connect(commands, &RedisConnection::connected, this, &RedisEventBus::onConnected);
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
    const bool typing = event.value(QStringLiteral("kind")).toString() == QLatin1String("typing");
    send({kPrefix + user.toUtf8(), QJsonDocument(event).toJson(QJsonDocument::Compact)}, !typing);
}

void RedisEventBus::send(const Publish &publish, bool repeatIfLost)
{
    if (!repeatIfLost) {
        m_commands->command({"PUBLISH", publish.channel, publish.payload});
        return;
    }
    const quint64 number = ++m_nextPublish;
    m_unanswered.insert(number, publish);
    if (m_unanswered.size() > kMaxUnanswered) {
        qCWarning(lcRedis) << "Redis is away and" << kMaxUnanswered << "events wait for it; dropping the oldest";
        m_unanswered.erase(m_unanswered.begin());
    }
    m_commands->command({"PUBLISH", publish.channel, publish.payload},
                        [self = QPointer<RedisEventBus>(this), number](const RedisReply &reply) {
                            if (self && reply.type != RedisReply::Type::None)
                                self->m_unanswered.remove(number);
                        });
}

void RedisEventBus::onConnected()
{
    // Redis may have run some of these before the connection dropped: a repeat is harmless.
    const QMap<quint64, Publish> lost = std::exchange(m_unanswered, {});
    for (const Publish &publish : lost)
        send(publish, true);
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
