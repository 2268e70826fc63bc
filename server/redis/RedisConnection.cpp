#include "redis/RedisConnection.h"

#include "base/Clock.h"
#include "metrics/Metrics.h"

#include <QLoggingCategory>
#include <QSocketNotifier>
#include <algorithm>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

Q_LOGGING_CATEGORY(lcRedis, "presently.redis")

namespace presently {

RedisReply RedisReply::fromHiredis(const redisReply *r)
{
    RedisReply out;
    if (!r)
        return out;
    switch (r->type) {
    case REDIS_REPLY_NIL:
        out.type = Type::Nil;
        break;
    case REDIS_REPLY_ERROR:
        out.type = Type::Error;
        out.string = QByteArray(r->str, static_cast<qsizetype>(r->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = Type::Status;
        out.string = QByteArray(r->str, static_cast<qsizetype>(r->len));
        break;
    case REDIS_REPLY_STRING:
        out.type = Type::String;
        out.string = QByteArray(r->str, static_cast<qsizetype>(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = Type::Array;
        out.elements.reserve(static_cast<qsizetype>(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(fromHiredis(r->element[i]));
        break;
    default: // RESP3 types are not requested
        out.type = Type::Error;
        out.string = "unexpected reply type";
        break;
    }
    return out;
}

struct RedisConnection::Pending {
    RedisConnection *connection;
    Callback callback;
    qint64 sentNs; // Clock::monotonicNs(), for presently_redis_command_seconds
};

RedisConnection::RedisConnection(const RedisAddress &address, Mode mode, QObject *parent)
    : QObject(parent)
    , m_address(address)
    , m_mode(mode)
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisConnection::connectNow);
    m_timeoutTimer.setInterval(kCheckIntervalMs);
    connect(&m_timeoutTimer, &QTimer::timeout, this, &RedisConnection::checkTimeouts);
}

RedisConnection::~RedisConnection()
{
    m_closing = true;
    if (m_context) {
        redisAsyncContext *context = m_context;
        m_context = nullptr;
        redisAsyncFree(context); // runs every pending callback with no reply
    }
    delete m_readNotifier;
    delete m_writeNotifier;
}

void RedisConnection::open()
{
    connectNow();
}

void RedisConnection::setTarget(const QString &host, quint16 port)
{
    if (host == m_address.host && port == m_address.port)
        return;
    qCInfo(lcRedis) << "Redis primary:" << host << port;
    m_address.host = host;
    m_address.port = port;
    if (m_context)
        dropConnection(); // reconnects, to the new address
    else if (!m_reconnectTimer.isActive())
        connectNow();
}

void RedisConnection::dropConnection()
{
    redisAsyncContext *context = m_context;
    m_context = nullptr;
    m_silentMs = 0;
    redisAsyncFree(context);
    lost();
}

void RedisConnection::connectNow()
{
    // With Sentinels, no address until they name the primary.
    if (m_context || m_closing || m_address.host.isEmpty())
        return;
    redisAsyncContext *context = redisAsyncConnect(m_address.host.toUtf8().constData(), m_address.port);
    if (!context || context->err) {
        qCWarning(lcRedis) << "cannot connect to Redis:" << (context ? context->errstr : "out of memory");
        if (context)
            redisAsyncFree(context);
        lost();
        return;
    }
    m_context = context;
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = &RedisConnection::addRead;
    context->ev.delRead = &RedisConnection::delRead;
    context->ev.addWrite = &RedisConnection::addWrite;
    context->ev.delWrite = &RedisConnection::delWrite;
    context->ev.cleanup = &RedisConnection::cleanup;

    const auto fd = static_cast<qintptr>(context->c.fd);
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_readNotifier->setEnabled(false);
    connect(m_readNotifier, &QSocketNotifier::activated, this, [this] {
        if (m_context)
            redisAsyncHandleRead(m_context);
    });
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, [this] {
        if (m_context)
            redisAsyncHandleWrite(m_context);
    });

    redisAsyncSetDisconnectCallback(context, &RedisConnection::onDisconnect);
    redisAsyncSetConnectCallback(context, &RedisConnection::onConnect); // arms the write event
}

void RedisConnection::onConnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisConnection *>(ac->data);
    if (status != REDIS_OK) {
        qCWarning(lcRedis) << "Redis connect failed:" << ac->errstr;
        // hiredis frees the context after this callback.
        self->m_context = nullptr;
        self->lost();
        return;
    }
    self->m_connected = true;
    self->m_backoffMs = 0;
    // AUTH first: everything after it (SELECT, the callers' commands) is pipelined behind it.
    if (!self->m_address.password.isEmpty()) {
        self->command(self->m_address.authArguments(), [self](const RedisReply &reply) {
            if (reply.type == RedisReply::Type::Error) {
                // Redis's words name no secret ("WRONGPASS invalid username-password pair").
                if (!self->m_authRefused)
                    qCCritical(lcRedis) << "Redis refused our credentials:" << reply.string;
                self->m_authRefused = true;
            } else if (reply.type != RedisReply::Type::None) {
                self->m_authRefused = false;
            }
        });
    }
    if (self->m_address.db != 0)
        self->command({"SELECT", QByteArray::number(self->m_address.db)});
    if (self->m_address.viaSentinel() && self->m_mode == Mode::Commands) {
        // Sentinel's client rules: the node it named must say it is the primary (a failover may
        // have turned it into a replica since).
        self->command({"ROLE"}, [self](const RedisReply &reply) {
            if (reply.type == RedisReply::Type::None || !self->m_context)
                return;
            if (reply.type != RedisReply::Type::Array || reply.elements.isEmpty() ||
                reply.elements.first().string != "master") {
                qCWarning(lcRedis) << "Redis at" << self->m_address.host << self->m_address.port
                                   << "is not the primary; asking the Sentinels again";
                self->dropConnection();
                Q_EMIT self->notPrimary();
            }
        });
    }
    if (self->m_mode == Mode::Commands) {
        self->m_lastCheckMs = Clock::nowMs();
        self->m_silentMs = 0;
        self->m_timeoutTimer.start();
    }
    qCInfo(lcRedis) << "connected to Redis" << self->m_address.host << self->m_address.port;
    Q_EMIT self->connected();
}

void RedisConnection::onDisconnect(const redisAsyncContext *ac, int)
{
    auto *self = static_cast<RedisConnection *>(ac->data);
    self->m_context = nullptr;
    self->lost();
}

void RedisConnection::lost()
{
    const bool wasConnected = m_connected;
    m_connected = false;
    m_context = nullptr;
    m_outstanding = 0;
    m_timeoutTimer.stop();
    if (m_closing)
        return;
    if (!m_reconnectTimer.isActive()) {
        m_backoffMs = m_backoffMs == 0 ? 50 : std::min(m_backoffMs * 2, 250);
        m_reconnectTimer.start(m_backoffMs);
    }
    if (wasConnected) {
        qCWarning(lcRedis) << "lost the Redis connection; reconnecting";
        Q_EMIT disconnected();
    }
}

void RedisConnection::command(const QList<QByteArray> &args, Callback callback)
{
    command(RespCommand(args), std::move(callback));
}

void RedisConnection::command(const RespCommand &resp, Callback callback)
{
    if (!m_context || !m_connected) {
        if (callback) {
            QMetaObject::invokeMethod(
                this, [callback = std::move(callback)] { callback(RedisReply{}); }, Qt::QueuedConnection);
        }
        return;
    }
    const QByteArray formatted = resp.toByteArray();
    auto *pending = new Pending{this, std::move(callback), Clock::monotonicNs()};
    const bool pubsub = m_mode == Mode::PubSub;
    const int rc = redisAsyncFormattedCommand(
        m_context, pubsub ? &RedisConnection::onPubSubReply : &RedisConnection::onReply,
        pubsub ? static_cast<void *>(this) : pending, formatted.constData(), static_cast<size_t>(formatted.size()));
    if (pubsub)
        delete pending; // pub/sub replies all go to message(); nothing to answer
    if (rc != REDIS_OK) {
        if (!pubsub) {
            Callback cb = std::move(pending->callback);
            delete pending;
            if (cb)
                QMetaObject::invokeMethod(
                    this, [cb] { cb(RedisReply{}); }, Qt::QueuedConnection);
        }
        return;
    }
    if (!pubsub)
        ++m_outstanding;
}

void RedisConnection::onReply(redisAsyncContext *, void *reply, void *privdata)
{
    auto *pending = static_cast<Pending *>(privdata);
    RedisConnection *self = pending->connection;
    if (self->m_outstanding > 0)
        --self->m_outstanding;
    ++self->m_replies;
    const RedisReply copy = RedisReply::fromHiredis(static_cast<const redisReply *>(reply));
    Metrics::instance().observeRedisCommand(double(Clock::monotonicNs() - pending->sentNs) / 1e9,
                                            copy.type == RedisReply::Type::None ||
                                                copy.type == RedisReply::Type::Error);
    Callback callback = std::move(pending->callback);
    delete pending;
    if (!callback)
        return;
    if (copy.type == RedisReply::Type::None) {
        // Called from inside hiredis while it frees the context: answer later.
        QMetaObject::invokeMethod(
            self, [callback] { callback(RedisReply{}); }, Qt::QueuedConnection);
        return;
    }
    callback(copy);
}

void RedisConnection::onPubSubReply(redisAsyncContext *, void *reply, void *privdata)
{
    auto *self = static_cast<RedisConnection *>(privdata);
    const auto *r = static_cast<const redisReply *>(reply);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
        return;
    const redisReply *kind = r->element[0];
    if (kind->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
        return;
    const QByteArray what(kind->str, static_cast<qsizetype>(kind->len));
    const QByteArray channel(r->element[1]->str, static_cast<qsizetype>(r->element[1]->len));
    if (what == "message" && r->element[2]->type == REDIS_REPLY_STRING)
        Q_EMIT self->message(channel, QByteArray(r->element[2]->str, static_cast<qsizetype>(r->element[2]->len)));
    else if (what == "subscribe")
        Q_EMIT self->subscribed(channel);
}

void RedisConnection::checkTimeouts()
{
    // Redis is unresponsive when commands wait and no reply at all comes for the timeout. Only
    // time the loop was free counts: a check that comes late (the loop was blocked, so nothing
    // was sent or read meanwhile) adds one check interval, not the whole gap. A pipeline
    // thousands of commands deep (a reconnect storm) is slow, not dead: its replies keep coming.
    const qint64 now = Clock::nowMs();
    const qint64 gap = now - m_lastCheckMs;
    m_lastCheckMs = now;
    if (!m_context || m_outstanding == 0 || m_replies != m_repliesAtLastCheck) {
        m_repliesAtLastCheck = m_replies;
        m_silentMs = 0;
        return;
    }
    m_silentMs += std::min<qint64>(gap, kCheckIntervalMs);
    if (m_silentMs < m_commandTimeoutMs)
        return;
    qCWarning(lcRedis) << "Redis did not answer within" << m_commandTimeoutMs << "ms; reconnecting";
    dropConnection();
}

void RedisConnection::addRead(void *self)
{
    if (auto *n = static_cast<RedisConnection *>(self)->m_readNotifier)
        n->setEnabled(true);
}

void RedisConnection::delRead(void *self)
{
    if (auto *n = static_cast<RedisConnection *>(self)->m_readNotifier)
        n->setEnabled(false);
}

void RedisConnection::addWrite(void *self)
{
    if (auto *n = static_cast<RedisConnection *>(self)->m_writeNotifier)
        n->setEnabled(true);
}

void RedisConnection::delWrite(void *self)
{
    if (auto *n = static_cast<RedisConnection *>(self)->m_writeNotifier)
        n->setEnabled(false);
}

void RedisConnection::cleanup(void *self)
{
    auto *connection = static_cast<RedisConnection *>(self);
    // May run inside a notifier's own signal: disable now, delete from the event loop.
    for (QSocketNotifier **n : {&connection->m_readNotifier, &connection->m_writeNotifier}) {
        if (*n) {
            (*n)->setEnabled(false);
            if (connection->m_closing)
                delete *n;
            else
                (*n)->deleteLater();
            *n = nullptr;
        }
    }
}

} // namespace presently
