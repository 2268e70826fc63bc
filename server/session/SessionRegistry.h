#pragma once

#include "base/TokenBucket.h"
#include "events/UserEvent.h"
#include "protocol/UserPresence.h"
#include "session/SessionContext.h"
#include "session/SessionSettings.h"
#include "session/SignInThrottle.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <functional>

namespace presently {

class MessageChannel;
class Session;

// The gateway's live sessions: creates a Session for each opened connection, routes bus events
// to the sessions of their user, ends the sessions whose presence expired, catches everyone up
// when the bus may have lost events, and frames each presence push once for all its watchers.
class SessionRegistry : public QObject, public SessionContext {
    Q_OBJECT
public:
    SessionRegistry(const SessionServices &services, const SessionSettings &settings, QObject *parent = nullptr);
    ~SessionRegistry() override;

    // A connection completed its WebSocket handshake: its session starts (takes `channel`).
    void adopt(MessageChannel *channel);
    int connectionCount() const { return static_cast<int>(m_sessions.size()); }
    // "top users: bob 10, …; top addresses: 10.0.0.5 200, …": who holds the most connections.
    QString busiest(int count = 5) const;
    // Closes every connection with 1001; `done` runs once they are gone (or after a short wait).
    void shutdown(std::function<void()> done);

    // SessionContext
    void sessionLive(Session *session) override;
    void sessionGone(Session *session) override;
    int liveSessionCount() const;
    int liveSessionsOf(const QString &user) const override { return static_cast<int>(m_byUser.value(user).size()); }
    const quint64 *loopTurn() const override { return &m_loopTurn; }
    QByteArray presenceFrame(const UserPresence &presence) override;
    SignInThrottle &signInThrottle() override { return m_signInThrottle; }
    TokenBucket &userBucket(const QString &user) override;
    qint64 takeDailyMessage(const QString &user, qint64 bytes, qint64 nowMs) override;
    bool diskNearlyFull() override;

private:
    void onUserEvent(const QString &user, const UserEvent &event);
    void onSessionExpired(const QString &sessionId);
    void catchUpAll();

    SessionServices m_services;
    SessionSettings m_settings;
    QSet<Session *> m_sessions; // every connection, signed in or not
    QHash<QString, QSet<Session *>> m_byUser;
    QHash<QString, Session *> m_bySession;
    UserPresence m_framedPresence; // the last presenceFrame(), as given and when
    qint64 m_framedAtMs = -1;
    QByteArray m_presenceFrame;
    quint64 m_loopTurn = 0;
    SignInThrottle m_signInThrottle;
    QHash<QString, TokenBucket> m_userBuckets; // users live here; gone with their last session
    struct DailyUse {
        int messages = 0;
        qint64 bytes = 0;
    };
    qint64 m_quotaDay = -1;              // the UTC day m_dailyUse counts
    QHash<QString, DailyUse> m_dailyUse; // senders of that day
    qint64 m_diskCheckedAtMs = -1;
    bool m_diskNearlyFull = false;
};

} // namespace presently
