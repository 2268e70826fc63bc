#include "redis/RedisLink.h"

#include "redis/RedisConnection.h"
#include "redis/RedisSentinel.h"
#include "redis/RedisSubscriber.h"

#include <QLoggingCategory>
#include <hiredis/hiredis.h>
#include <vector>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

namespace presently {

RedisLink::RedisLink(const RedisAddress &address, QObject *parent)
    : QObject(parent)
    , m_commands(new RedisConnection(address, RedisConnection::Mode::Commands, this))
    , m_subscriber(new RedisSubscriber(address, this))
{
    if (!address.viaSentinel())
        return;
    // Both connections follow the primary Sentinel names; the presence store re-asserts every
    // live session on the new one when its connection is made there (a replica may have missed
    // the last writes).
    m_sentinel = new RedisSentinel(address, this);
    connect(m_sentinel, &RedisSentinel::primaryChanged, this, [this](const QString &host, quint16 port) {
        m_commands->setTarget(host, port);
        m_subscriber->setTarget(host, port);
    });
    connect(m_commands, &RedisConnection::notPrimary, m_sentinel, &RedisSentinel::askNow);
}

void RedisLink::open()
{
    if (m_sentinel)
        m_sentinel->open();
    m_commands->open();
    m_subscriber->open();
}

bool RedisLink::checkCredentials(const RedisAddress &address, QString *error)
{
    // With Sentinels the primary is not known yet: a refusal is logged when it is reached.
    if (address.password.isEmpty() || address.viaSentinel())
        return true;
    const timeval timeout{2, 0};
    redisContext *context = redisConnectWithTimeout(address.host.toUtf8().constData(), address.port, timeout);
    if (!context || context->err) {
        qCWarning(lcRedis) << "Redis not reachable at start-up (" << (context ? context->errstr : "out of memory")
                           << "); its credentials are checked when it is";
        if (context)
            redisFree(context);
        return true;
    }
    redisSetTimeout(context, timeout);
    const QList<QByteArray> args = address.authArguments();
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        lengths.push_back(static_cast<size_t>(arg.size()));
    }
    auto *reply = static_cast<redisReply *>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    bool ok = true;
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        ok = false;
        *error = QStringLiteral("Redis at %1:%2 refused the credentials in --redis: %3")
                     .arg(address.host)
                     .arg(address.port)
                     .arg(QString::fromUtf8(reply->str, static_cast<qsizetype>(reply->len)));
    }
    if (reply)
        freeReplyObject(reply);
    redisFree(context);
    return ok;
}

bool RedisLink::isConnected() const
{
    return m_commands->isConnected() && m_subscriber->isConnected();
}

} // namespace presently
