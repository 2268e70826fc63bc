#include "events/RedisEventBus.h"

#include "redis/RedisConnection.h"
#include "redis/RedisLink.h"
#include "redis/RedisSubscriber.h"

#include <QLoggingCategory>
#include <QPointer>
#include <utility>

Q_LOGGING_CATEGORY(lcEvents, "presently.events")

namespace presently {

namespace {
const QByteArray kPrefix = QByteArrayLiteral("ev:u:");
// Events held for a Redis that is away: beyond this the oldest are dropped (their receivers
// catch up at their next sign-in or bus reconnect).
constexpr qsizetype kMaxUnanswered = 100000;
} // namespace

RedisEventBus::RedisEventBus(RedisLink *link, QObject *parent)
    : EventBus(parent)
    , m_commands(link->commands())
    , m_subscriber(link->subscriber())
{
    connect(m_subscriber, &RedisSubscriber::message, this, &RedisEventBus::onMessage);
    connect(m_subscriber, &RedisSubscriber::resubscribed, this, &EventBus::eventsMayHaveBeenLost);
    connect(m_commands, &RedisConnection::connected, this, &RedisEventBus::onConnected);
}

void RedisEventBus::listen(const QString &user)
{
    m_subscriber->subscribe(kPrefix + user.toUtf8());
}

void RedisEventBus::unlisten(const QString &user)
{
    m_subscriber->unsubscribe(kPrefix + user.toUtf8());
}

void RedisEventBus::publish(const QString &user, const UserEvent &event)
{
    const QByteArray payload = UserEventCodec::encode(event);
    if (payload.isEmpty())
        return; // local to a gateway (CatchUp)
    send({kPrefix + user.toUtf8(), payload}, !std::holds_alternative<UserEvents::Typing>(event));
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
        qCWarning(lcEvents) << "Redis is away and" << kMaxUnanswered << "events wait for it; dropping the oldest";
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
    if (const std::optional<UserEvent> event = UserEventCodec::decode(payload))
        Q_EMIT eventReceived(QString::fromUtf8(channel.mid(kPrefix.size())), *event);
}

} // namespace presently
