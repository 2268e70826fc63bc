#include "redis/RedisSentinel.h"

#include "redis/RedisConnection.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

namespace presently {

namespace {
constexpr int kPollMs = 1000;
// Polls in a row without an answer before the next Sentinel is tried.
constexpr int kPatience = 2;

RedisAddress sentinelAt(const std::pair<QString, quint16> &sentinel)
{
    RedisAddress address; // Sentinels are asked without the data nodes' password
    address.host = sentinel.first;
    address.port = sentinel.second;
    return address;
}
} // namespace

RedisSentinel::RedisSentinel(const RedisAddress &address, QObject *parent)
    : QObject(parent)
    , m_address(address)
    , m_commands(new RedisConnection(sentinelAt(address.sentinels.first()), RedisConnection::Mode::Commands, this))
    , m_events(new RedisConnection(sentinelAt(address.sentinels.first()), RedisConnection::Mode::PubSub, this))
{
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &RedisSentinel::askNow);
    connect(m_commands, &RedisConnection::connected, this, &RedisSentinel::askNow);
    connect(m_events, &RedisConnection::connected, this, [this] {
        m_events->command({"SUBSCRIBE", "+switch-master"});
    });
    connect(m_events, &RedisConnection::message, this, [this](const QByteArray &, const QByteArray &payload) {
        // "<master name> <old ip> <old port> <new ip> <new port>"
        const QList<QByteArray> fields = payload.split(' ');
        if (fields.size() == 5 && QString::fromUtf8(fields.at(0)) == m_address.masterName)
            answered(QString::fromUtf8(fields.at(3)), static_cast<quint16>(fields.at(4).toUInt()));
    });
}

void RedisSentinel::open()
{
    m_commands->open();
    m_events->open();
    m_poll.start();
}

void RedisSentinel::askNow()
{
    if (!m_commands->isConnected()) {
        if (++m_unanswered >= kPatience)
            nextSentinel();
        return;
    }
    m_commands->command({"SENTINEL", "get-master-addr-by-name", m_address.masterName.toUtf8()},
                        [this](const RedisReply &reply) {
                            if (reply.type == RedisReply::Type::Array && reply.elements.size() == 2) {
                                m_unanswered = 0;
                                answered(QString::fromUtf8(reply.elements.at(0).string),
                                         static_cast<quint16>(reply.elements.at(1).string.toUInt()));
                            } else if (++m_unanswered >= kPatience) {
                                // Down, or it does not know the name: ask another.
                                nextSentinel();
                            }
                        });
}

void RedisSentinel::nextSentinel()
{
    m_unanswered = 0;
    m_current = (m_current + 1) % m_address.sentinels.size();
    const auto &[host, port] = m_address.sentinels.at(m_current);
    qCInfo(lcRedis) << "asking Sentinel" << host << port;
    m_commands->setTarget(host, port);
    m_events->setTarget(host, port);
}

void RedisSentinel::answered(const QString &host, quint16 port)
{
    if (host.isEmpty() || port == 0 || (host == m_primaryHost && port == m_primaryPort))
        return;
    m_primaryHost = host;
    m_primaryPort = port;
    qCInfo(lcRedis) << "Sentinel names the primary of" << m_address.masterName << ":" << host << port;
    Q_EMIT primaryChanged(host, port);
}

} // namespace presently
