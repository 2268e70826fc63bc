#include "presence/RedisPresenceStore.h"

#include "base/Clock.h"
#include "presence/RedisScripts.h"
#include "redis/RedisConnection.h"
#include "redis/RedisLink.h"
#include "redis/RedisSubscriber.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <algorithm>
#include <utility>

Q_LOGGING_CATEGORY(lcPresence, "presently.presence")

namespace presently {

namespace {
const QByteArray kPresenceChannel = QByteArrayLiteral("pr:c:");
const QByteArray kGatewayChannel = QByteArrayLiteral("pr:gwc:");
constexpr int kClaimLimit = 1000;

QByteArray number(qint64 n)
{
    return QByteArray::number(n);
}

QStringList devicesFromJson(const QByteArray &json)
{
    QStringList devices;
    for (const QJsonValue &d : QJsonDocument::fromJson(json).array())
        devices.append(d.toString());
    return devices;
}
} // namespace

RedisPresenceStore::RedisPresenceStore(RedisLink *link, const QString &gatewayId, int presenceTtlMs,
                                       int heartbeatIntervalMs, QObject *parent)
    : PresenceStore(parent)
    , m_link(link)
    , m_commands(link->commands())
    , m_subscriber(link->subscriber())
    , m_gatewayId(gatewayId)
    , m_gatewayUtf8(gatewayId.toUtf8())
    , m_ttlMs(presenceTtlMs)
    , m_heartbeatMs(heartbeatIntervalMs)
    // A tick writes pending liveness and sweeps. Its period bounds both how stale Redis' view of
    // a session is and how late a dead gateway's sessions are claimed.
    , m_tickMs(std::clamp(presenceTtlMs / 20, 10, 250))
    , m_graceMs(2 * m_tickMs + 50)
    , m_leaseMs(std::max(4 * m_tickMs, std::min(heartbeatIntervalMs, 2000)))
{
    m_tickTimer.setInterval(m_tickMs);
    m_tickTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_tickTimer, &QTimer::timeout, this, [this] {
        expireLocal();
        tick(true);
    });
    connect(m_commands, &RedisConnection::connected, this, &RedisPresenceStore::onConnected);
    connect(m_subscriber, &RedisSubscriber::message, this, &RedisPresenceStore::onMessage);
    connect(m_subscriber, &RedisSubscriber::resubscribed, this, &RedisPresenceStore::resynced);
}

RedisPresenceStore::~RedisPresenceStore() = default;

void RedisPresenceStore::start()
{
    m_subscriber->subscribe(kGatewayChannel + m_gatewayId.toUtf8());
    m_link->open();
    m_tickTimer.start();
}

bool RedisPresenceStore::isAvailable() const
{
    return m_link->isConnected();
}

qint64 RedisPresenceStore::nowMs() const
{
    return Clock::nowMs() + m_offsetMs;
}

void RedisPresenceStore::eval(const QByteArray &script, const QList<QByteArray> &args,
                              std::function<void(const RedisReply &)> callback)
{
    RespCommand command = evalCommand(script);
    for (const QByteArray &a : args)
        command.arg(a);
    eval(command, std::move(callback));
}

RespCommand RedisPresenceStore::evalCommand(const QByteArray &script)
{
    RespCommand command;
    command.arg("EVAL").arg(script).arg("0");
    return command;
}

void RedisPresenceStore::eval(const RespCommand &command, std::function<void(const RedisReply &)> callback)
{
    m_commands->command(command, [callback = std::move(callback)](const RedisReply &reply) {
        if (reply.type == RedisReply::Type::Error)
            qCWarning(lcPresence) << "script failed:" << reply.string;
        if (callback)
            callback(reply);
    });
}

void RedisPresenceStore::assertSession(const QString &sessionId, const LocalSession &s, const StoredStatus &status)
{
    eval(RedisScripts::startSession, {sessionId.toUtf8(), s.user.toUtf8(), s.device.toUtf8(),
                                      activityName(s.activity).toUtf8(), modeName(status.mode).toUtf8(),
                                      status.text.toUtf8(), number(s.lastFrameMs + m_offsetMs), m_gatewayId.toUtf8()});
}

void RedisPresenceStore::startSession(const SessionStart &session)
{
    LocalSession local{session.user, session.device, session.activity, Clock::nowMs(), session.sessionId.toUtf8()};
    m_sessions.insert(session.sessionId, local);
    m_deadlines.frame(session.sessionId, local.lastFrameMs);
    assertSession(session.sessionId, local, session.status);
}

void RedisPresenceStore::touchSession(const QString &sessionId)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    it->lastFrameMs = Clock::nowMs();
    m_deadlines.frame(sessionId, it->lastFrameMs);
    if (!it->dirty) {
        it->dirty = true;
        m_dirty.append(sessionId);
    }
}

void RedisPresenceStore::setActivity(const QString &sessionId, Activity activity)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end() || it->activity == activity)
        return;
    it->activity = activity;
    eval(RedisScripts::setActivity,
         {sessionId.toUtf8(), activityName(activity).toUtf8(), number(it->lastFrameMs + m_offsetMs)},
         [this, self = QPointer<RedisPresenceStore>(this), sessionId](const RedisReply &reply) {
             if (!self || reply.integer != -1)
                 return;
             // Redis lost the session (flushed, or claimed while we were cut off): put it back.
             reassert({sessionId}, nullptr);
         });
}

void RedisPresenceStore::endSession(const QString &sessionId)
{
    if (!m_sessions.remove(sessionId))
        return;
    endInRedis(sessionId, nowMs());
}

void RedisPresenceStore::endInRedis(const QString &sessionId, qint64 lastSeenMs)
{
    m_unconfirmedEnds.insert(sessionId, lastSeenMs);
    eval(RedisScripts::endSession, {sessionId.toUtf8(), number(lastSeenMs)},
         [this, self = QPointer<RedisPresenceStore>(this), sessionId](const RedisReply &reply) {
             // No reply: the connection dropped; onConnected() sends it again.
             if (self && reply.type != RedisReply::Type::None)
                 m_unconfirmedEnds.remove(sessionId);
         });
}

void RedisPresenceStore::detachAll()
{
    // Write the last frames so that the TTL counts from them, then let go of the sessions.
    tick(false);
    m_detached = true;
    m_tickTimer.stop();
    m_sessions.clear();
    m_deadlines.clear();
}

void RedisPresenceStore::setMode(const QString &user, const StoredStatus &status)
{
    eval(RedisScripts::setMode, {user.toUtf8(), modeName(status.mode).toUtf8(), status.text.toUtf8()});
}

void RedisPresenceStore::fetch(const QStringList &users, FetchCallback callback)
{
    QList<QByteArray> args;
    args.reserve(users.size());
    for (const QString &user : users)
        args.append(user.toUtf8());
    eval(RedisScripts::fetch, args, [users, callback = std::move(callback)](const RedisReply &reply) {
        if (reply.type != RedisReply::Type::Array || reply.elements.size() != users.size()) {
            callback(false, {});
            return;
        }
        QList<PresenceEntry> entries;
        entries.reserve(users.size());
        for (qsizetype i = 0; i < users.size(); ++i) {
            const RedisReply &row = reply.elements.at(i);
            PresenceEntry entry;
            entry.presence.user = users.at(i);
            entry.known = row.elements.size() == 6 && row.elements.at(0).type == RedisReply::Type::String;
            if (entry.known) {
                entry.presence.status =
                    statusFromName(QString::fromUtf8(row.elements.at(0).string)).value_or(Status::Offline);
                entry.presence.text = QString::fromUtf8(row.elements.at(1).string);
                entry.presence.since = row.elements.at(2).toInteger();
                entry.presence.lastSeen = row.elements.at(3).toInteger();
                entry.presence.devices = devicesFromJson(row.elements.at(4).string);
                entry.version = row.elements.at(5).toInteger();
            }
            entries.append(entry);
        }
        callback(true, entries);
    });
}

void RedisPresenceStore::watch(const QString &user)
{
    m_subscriber->subscribe(kPresenceChannel + user.toUtf8());
}

void RedisPresenceStore::unwatch(const QString &user)
{
    m_subscriber->unsubscribe(kPresenceChannel + user.toUtf8());
}

void RedisPresenceStore::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (channel.startsWith(kPresenceChannel)) {
        const QJsonObject o = QJsonDocument::fromJson(payload).object();
        PresenceEntry entry;
        entry.presence.user = o.value(QStringLiteral("u")).toString();
        entry.presence.status = statusFromName(o.value(QStringLiteral("s")).toString()).value_or(Status::Offline);
        entry.presence.text = o.value(QStringLiteral("t")).toString();
        entry.presence.since = static_cast<qint64>(o.value(QStringLiteral("si")).toDouble());
        entry.presence.lastSeen = static_cast<qint64>(o.value(QStringLiteral("ls")).toDouble());
        for (const QJsonValue &d : o.value(QStringLiteral("d")).toArray())
            entry.presence.devices.append(d.toString());
        entry.version = static_cast<qint64>(o.value(QStringLiteral("v")).toDouble());
        if (!entry.presence.user.isEmpty())
            Q_EMIT presenceChanged(entry);
    } else if (channel == kGatewayChannel + m_gatewayId.toUtf8()) {
        // Another gateway (or our own tick) found this session's last frame too old: Redis was
        // cut off from us for longer than the TTL. A session that still sends frames here is
        // live; Redis' view is what was wrong, so put it back rather than end it.
        const QString sessionId = QString::fromUtf8(payload);
        const auto it = m_sessions.constFind(sessionId);
        if (it == m_sessions.cend())
            return;
        if (Clock::nowMs() - it->lastFrameMs < m_ttlMs) {
            qCWarning(lcPresence) << "session" << sessionId << "was claimed in Redis while live here; re-asserting it";
            reassert({sessionId}, nullptr);
            return;
        }
        m_sessions.remove(sessionId);
        qCWarning(lcPresence) << "session" << sessionId << "was expired in Redis";
        Q_EMIT sessionExpired(sessionId);
    }
}

void RedisPresenceStore::expireLocal()
{
    const QStringList expired =
        m_deadlines.takeExpired(Clock::nowMs() - m_ttlMs, [this](const QString &sessionId) -> qint64 {
            const auto it = m_sessions.constFind(sessionId);
            return it == m_sessions.cend() ? -1 : it->lastFrameMs;
        });
    for (const QString &sessionId : expired) {
        const LocalSession s = m_sessions.take(sessionId);
        endInRedis(sessionId, s.lastFrameMs + m_offsetMs);
        Q_EMIT sessionExpired(sessionId);
    }
}

void RedisPresenceStore::tick(bool sweep)
{
    if (!m_commands->isConnected() || m_detached)
        return;
    if (m_tickInFlight && sweep)
        return; // Redis is slow: do not pile ticks up behind each other
    // Every frame received before now is in this tick or an earlier one that Redis answered (a
    // tick lost with a dropped connection is made good by onConnected's re-assertion).
    const qint64 sentAt = Clock::nowMs();
    const qint64 expiryAgeMs = m_ttlMs + m_graceMs;
    RespCommand command = evalCommand(RedisScripts::tick);
    command.reserve(RedisScripts::tick.size() + 64 * m_dirty.size() + 160);
    command.arg(m_gatewayUtf8)
        .arg(m_leaseMs)
        .arg(sweep ? expiryAgeMs : std::numeric_limits<int>::max())
        .arg(sweep ? kClaimLimit : 0)
        .arg(sentAt + m_offsetMs)
        .arg(m_heartbeatMs + m_tickMs)                 // on schedule: a frame within an interval and a tick
        .arg(2 * expiryAgeMs + m_heartbeatMs + 60000); // the vouch outlives the claims it decides
    for (const QString &sessionId : std::as_const(m_dirty)) {
        const auto it = m_sessions.find(sessionId);
        if (it == m_sessions.end() || !it->dirty)
            continue;
        it->dirty = false;
        command.arg(it->lastFrameMs + m_offsetMs).arg(it->idUtf8);
    }
    m_dirty.clear();
    m_tickInFlight = true;
    eval(command, [this, self = QPointer<RedisPresenceStore>(this), sentAt](const RedisReply &reply) {
        if (!self)
            return;
        m_tickInFlight = false;
        if (reply.type != RedisReply::Type::Array || reply.elements.size() != 3)
            return;
        const qint64 receivedAt = Clock::nowMs();
        // Redis' clock against ours, from round trips short enough to trust.
        if (receivedAt - sentAt <= 20)
            m_offsetMs = reply.elements.at(0).toInteger() - (sentAt + receivedAt) / 2;
        const bool leaseLost = m_leaseHeld && reply.elements.at(1).toInteger() == 0;
        m_leaseHeld = true;
        if (leaseLost && !m_sessions.isEmpty()) {
            qCWarning(lcPresence) << "gateway lease was gone (Redis restarted or flushed); re-asserting"
                                  << m_sessions.size() << "sessions";
            reassertAll();
        }
        if (reply.elements.at(2).toInteger() >= kClaimLimit)
            QTimer::singleShot(0, this, [this] { tick(true); });
    });
}

void RedisPresenceStore::reassert(const QStringList &sessionIds, std::function<void()> then)
{
    QSet<QString> users;
    for (const QString &sessionId : sessionIds) {
        const auto it = m_sessions.constFind(sessionId);
        if (it != m_sessions.cend())
            users.insert(it->user);
    }
    lookUpStatuses(users.values(), [this, self = QPointer<RedisPresenceStore>(this), sessionIds,
                                    then = std::move(then)](const Statuses &statuses) {
        if (!self)
            return;
        for (const QString &sessionId : sessionIds) {
            const auto it = m_sessions.constFind(sessionId); // it may have ended meanwhile
            if (it != m_sessions.cend())
                assertSession(sessionId, *it, statuses.value(it->user));
        }
        if (then)
            then();
    });
}

void RedisPresenceStore::reassertAll()
{
    reassert(m_sessions.keys(), [this] { Q_EMIT resynced(); });
}

void RedisPresenceStore::onConnected()
{
    // First connection: nothing to restore. After an outage: Redis may have lost or kept stale
    // state; put every live session of ours back, with its real last frame time.
    m_tickInFlight = false;
    m_leaseHeld = false;
    const QHash<QString, qint64> ends = std::exchange(m_unconfirmedEnds, {});
    for (auto it = ends.cbegin(); it != ends.cend(); ++it)
        endInRedis(it.key(), it.value());
    if (m_sessions.isEmpty()) {
        tick(false);
        return;
    }
    // Every session back (with the stored modes, read off the loop) before the first tick.
    reassert(m_sessions.keys(), [this] {
        Q_EMIT resynced();
        tick(false);
    });
}

} // namespace presently
