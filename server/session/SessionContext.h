#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace presently {

class EventBus;
class PresenceHub;
class PresenceStore;
class Session;
class SignInThrottle;
class TokenBucket;
class StoreThread;
struct UserPresence;

// The stores and buses a session's requests use. Owned by the composition root. No SQL runs on
// the event loop: the SQL stores are reached only through their threads (Session::read, write).
struct SessionServices {
    StoreThread *reads = nullptr;      // reads: never wait behind a commit
    StoreThread *writes = nullptr;     // writes: grouped into commit windows, answered once durable
    PresenceStore *presence = nullptr; // also the server clock (Redis' clock with Redis)
    PresenceHub *hub = nullptr;
    EventBus *bus = nullptr;
};

// What a session needs from the gateway around it (SessionRegistry, or a test): to be routed to
// once live, the event loop's turn counter for fairness, and presence pushes framed once.
class SessionContext {
public:
    virtual void sessionLive(Session *session) = 0;
    virtual void sessionGone(Session *session) = 0;
    // Live sessions of `user` on this gateway.
    virtual int liveSessionsOf(const QString &user) const = 0;
    // Counts the event loop's wake-ups (see RequestQueue).
    virtual const quint64 *loopTurn() const = 0;
    // The push of one presence change as every watcher gets it: built once per fan-out.
    virtual QByteArray presenceFrame(const UserPresence &presence) = 0;
    // Failed password sign-ins on this gateway, per account and address.
    virtual SignInThrottle &signInThrottle() = 0;
    // The request bucket of `user` (live here), shared by all of the user's connections.
    virtual TokenBucket &userBucket(const QString &user) = 0;
    // Counts a message of `bytes` against the user's daily quota; 0 if it fits, else the ms
    // until the quota renews (it is not counted then).
    virtual qint64 takeDailyMessage(const QString &user, qint64 bytes, qint64 nowMs) = 0;
    // The database's disk has less free space than the settings ask for (checked once a second).
    virtual bool diskNearlyFull() = 0;

protected:
    ~SessionContext() = default;
};

} // namespace presently
