#include "presence/EmbeddedPresenceStore.h"

#include "base/Clock.h"
#include "presence/PresenceAggregator.h"

#include <QPointer>
#include <algorithm>

namespace presently {

EmbeddedPresenceStore::EmbeddedPresenceStore(int presenceTtlMs, QObject *parent)
    : PresenceStore(parent)
    , m_ttlMs(presenceTtlMs)
{
    // Expiry is found by a sweep, so it comes at most one period after the TTL, never before.
    m_sweepTimer.setInterval(std::clamp(presenceTtlMs / 20, 5, 250));
    m_sweepTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_sweepTimer, &QTimer::timeout, this, &EmbeddedPresenceStore::sweep);
}

void EmbeddedPresenceStore::start()
{
    m_sweepTimer.start();
}

qint64 EmbeddedPresenceStore::nowMs() const
{
    return Clock::nowMs();
}

void EmbeddedPresenceStore::startSession(const SessionStart &s)
{
    const qint64 now = nowMs();
    m_sessions.insert(s.sessionId, Session{s.user, s.device, s.activity, now});
    m_deadlines.frame(s.sessionId, now);
    UserState &user = m_users[s.user];
    user.status = s.status;
    user.sessions.insert(s.sessionId);
    recompute(s.user, nowMs());
}

void EmbeddedPresenceStore::touchSession(const QString &sessionId)
{
    const auto it = m_sessions.find(sessionId);
    if (it != m_sessions.end()) {
        it->lastFrameMs = nowMs();
        m_deadlines.frame(sessionId, it->lastFrameMs);
    }
}

void EmbeddedPresenceStore::setActivity(const QString &sessionId, Activity activity)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end() || it->activity == activity)
        return;
    it->activity = activity;
    recompute(it->user, nowMs());
}

void EmbeddedPresenceStore::endSession(const QString &sessionId)
{
    removeSession(sessionId, nowMs());
}

void EmbeddedPresenceStore::detachAll()
{
    m_sweepTimer.stop();
}

void EmbeddedPresenceStore::removeSession(const QString &sessionId, qint64 lastSeenMs)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    const QString user = it->user;
    m_sessions.erase(it);
    m_users[user].sessions.remove(sessionId);
    recompute(user, lastSeenMs);
}

void EmbeddedPresenceStore::setMode(const QString &user, const StoredStatus &status)
{
    m_users[user].status = status;
    recompute(user, nowMs());
}

void EmbeddedPresenceStore::recompute(const QString &user, qint64 offlineSeenMs)
{
    UserState &state = m_users[user];
    PresenceAggregator::Input in;
    in.mode = state.status.mode;
    in.text = state.status.text;
    in.nowMs = nowMs();
    in.offlineSeenMs = offlineSeenMs;
    for (const QString &id : std::as_const(state.sessions)) {
        const Session &s = m_sessions[id];
        ++in.liveSessions;
        in.anyActive = in.anyActive || s.activity == Activity::Active;
        in.devices.append(s.device);
    }
    state.entry.presence.user = user;
    if (!PresenceAggregator::apply(state.entry.presence, in))
        return;
    state.entry.version = ++m_version;
    Q_EMIT presenceChanged(state.entry);
}

PresenceEntry EmbeddedPresenceStore::entryFor(const QString &user) const
{
    const auto it = m_users.constFind(user);
    if (it != m_users.constEnd())
        return it->entry;
    PresenceEntry entry;
    entry.presence.user = user;
    entry.known = false;
    return entry;
}

void EmbeddedPresenceStore::fetch(const QStringList &users, FetchCallback callback)
{
    QList<PresenceEntry> entries;
    entries.reserve(users.size());
    for (const QString &user : users)
        entries.append(entryFor(user));
    // Answer from the event loop, as the Redis store does, so callers see one behaviour.
    QMetaObject::invokeMethod(
        this, [callback = std::move(callback), entries] { callback(true, entries); }, Qt::QueuedConnection);
}

void EmbeddedPresenceStore::sweep()
{
    const QStringList expired = m_deadlines.takeExpired(nowMs() - m_ttlMs, [this](const QString &sessionId) -> qint64 {
        const auto it = m_sessions.constFind(sessionId);
        return it == m_sessions.cend() ? -1 : it->lastFrameMs;
    });
    for (const QString &sessionId : expired) {
        removeSession(sessionId, m_sessions.value(sessionId).lastFrameMs);
        Q_EMIT sessionExpired(sessionId);
    }
}

} // namespace presently
