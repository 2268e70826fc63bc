#pragma once

#include "presence/PresenceTypes.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <functional>

namespace presently {

// Where presence lives: per-session liveness with a TTL, activity, the user's mode, and the
// aggregated status others see. Implemented in process (EmbeddedPresenceStore) and on Redis
// (RedisPresenceStore) with the same behaviour. Knows nothing of WebSockets.
class PresenceStore : public QObject {
    Q_OBJECT
public:
    using FetchCallback = std::function<void(bool ok, const QList<PresenceEntry> &entries)>;
    using Statuses = QHash<QString, StoredStatus>;
    // Reads the stored mode of each user (off the event loop), then calls `done` on it; a user
    // left out gets the default (the lookup failed, and logged it).
    using StatusLookup = std::function<void(const QStringList &users, std::function<void(const Statuses &)> done)>;

    explicit PresenceStore(QObject *parent = nullptr)
        : QObject(parent)
    {}

    virtual void start() = 0;
    virtual bool isAvailable() const = 0;

    // A session of this gateway became live.
    virtual void startSession(const SessionStart &session) = 0;
    // A frame arrived from the session: it stays live for another TTL. Cheap: coalesced.
    virtual void touchSession(const QString &sessionId) = 0;
    virtual void setActivity(const QString &sessionId, Activity activity) = 0;
    // The session ended cleanly: its device is gone at once.
    virtual void endSession(const QString &sessionId) = 0;
    // The gateway is going away: its sessions stay as they are, to be taken over by a reconnect
    // or to run out their TTL. Pending liveness is written first.
    virtual void detachAll() = 0;
    virtual void setMode(const QString &user, const StoredStatus &status) = 0;
    virtual void fetch(const QStringList &users, FetchCallback callback) = 0;
    // presenceChanged is emitted at least for watched users (possibly for others too).
    virtual void watch(const QString &user) = 0;
    virtual void unwatch(const QString &user) = 0;
    // The store's clock in ms since the epoch (for Redis: Redis' clock), used for every timestamp.
    virtual qint64 nowMs() const = 0;

    // How to read users' stored modes when the store has to re-assert sessions.
    void setStatusLookup(StatusLookup lookup) { m_statusLookup = std::move(lookup); }

Q_SIGNALS:
    void presenceChanged(const presently::PresenceEntry &entry);
    // A session of this gateway ran out its TTL (or was claimed elsewhere): close its socket.
    void sessionExpired(const QString &sessionId);
    // After an outage: any cached presence may be stale and should be fetched again.
    void resynced();

protected:
    void lookUpStatuses(const QStringList &users, std::function<void(const Statuses &)> done)
    {
        if (m_statusLookup)
            m_statusLookup(users, std::move(done));
        else
            done({});
    }

private:
    StatusLookup m_statusLookup;
};

} // namespace presently
