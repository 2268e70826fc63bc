#pragma once

#include "presence/PresenceStore.h"
#include "presence/SessionDeadlines.h"
#include "redis/RespCommand.h"

#include <QHash>
#include <QSet>
#include <QTimer>

namespace presently {

class RedisConnection;
class RedisLink;
class RedisReply;
class RedisSubscriber;

// Presence in Redis, shared by any number of gateways.
//
// Liveness: this gateway expires its own sessions exactly (TTL after their last frame, by its
// clock). Redis keeps each session's last frame time in a sorted set, written in one batched
// ZADD per tick for all sessions that sent frames, so a steady heartbeat costs a small fraction
// of a Redis command. Each tick also vouches that every frame received before it is recorded.
// If this gateway dies, any gateway's tick claims its sessions once their last frame (or, for
// sessions heartbeating on schedule, the last vouch) is older than TTL + grace (Redis' clock),
// atomically, and announces them offline. A Redis that stalls or goes away ends no session that
// still sends frames here (RedisScripts::tick).
class RedisPresenceStore : public PresenceStore {
    Q_OBJECT
public:
    // Uses `link`, which it does not own (the event bus shares it).
    RedisPresenceStore(RedisLink *link, const QString &gatewayId, int presenceTtlMs, int heartbeatIntervalMs,
                       QObject *parent = nullptr);
    ~RedisPresenceStore() override;

    void start() override;
    bool isAvailable() const override;
    void startSession(const SessionStart &session) override;
    void touchSession(const QString &sessionId) override;
    void setActivity(const QString &sessionId, Activity activity) override;
    void endSession(const QString &sessionId) override;
    void detachAll() override;
    void setMode(const QString &user, const StoredStatus &status) override;
    void fetch(const QStringList &users, FetchCallback callback) override;
    void watch(const QString &user) override;
    void unwatch(const QString &user) override;
    qint64 nowMs() const override;

    int tickIntervalMs() const { return m_tickMs; }
    int expiryGraceMs() const { return m_graceMs; }

private:
    struct LocalSession {
        QString user;
        QString device;
        Activity activity = Activity::Active;
        qint64 lastFrameMs = 0; // local clock
        QByteArray idUtf8;      // written by every tick that finds the session dirty
        bool dirty = false;     // in m_dirty, with a frame not yet written
    };

    static RespCommand evalCommand(const QByteArray &script); // EVAL script 0, then the arguments
    void eval(const QByteArray &script, const QList<QByteArray> &args,
              std::function<void(const RedisReply &)> callback = {});
    void eval(const RespCommand &command, std::function<void(const RedisReply &)> callback = {});
    void assertSession(const QString &sessionId, const LocalSession &session, const StoredStatus &status);
    // Ends the session in Redis; if Redis never answers, again after the next connect.
    void endInRedis(const QString &sessionId, qint64 lastSeenMs);
    // Writes these sessions to Redis again with their users' stored modes, then `then`.
    void reassert(const QStringList &sessionIds, std::function<void()> then);
    void reassertAll();
    void tick(bool sweep);
    void expireLocal();
    void onConnected();
    void onMessage(const QByteArray &channel, const QByteArray &payload);

    RedisLink *m_link;
    RedisConnection *m_commands;
    RedisSubscriber *m_subscriber;
    QString m_gatewayId;
    QByteArray m_gatewayUtf8;
    int m_ttlMs;
    int m_heartbeatMs;
    int m_tickMs;
    int m_graceMs;
    int m_leaseMs;
    qint64 m_offsetMs = 0; // Redis clock minus local clock
    bool m_tickInFlight = false;
    bool m_leaseHeld = false; // a tick since the last connect renewed the lease
    bool m_detached = false;
    QHash<QString, LocalSession> m_sessions;
    // Sessions with frames not yet written, once each (LocalSession::dirty); an entry whose session
    // is gone meanwhile is skipped.
    QList<QString> m_dirty;
    // Sessions ended here whose end Redis may not have seen (its connection dropped): sent again
    // on connect. Session id -> last seen (Redis clock).
    QHash<QString, qint64> m_unconfirmedEnds;
    SessionDeadlines m_deadlines;
    QTimer m_tickTimer;
};

} // namespace presently
