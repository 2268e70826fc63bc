#pragma once

#include "presence/PresenceStore.h"
#include "presence/SessionDeadlines.h"

#include <QHash>
#include <QSet>
#include <QTimer>

namespace presently {

// Presence in this process, for a single gateway: the default when no Redis is configured.
class EmbeddedPresenceStore : public PresenceStore {
    Q_OBJECT
public:
    explicit EmbeddedPresenceStore(int presenceTtlMs, QObject *parent = nullptr);

    void start() override;
    bool isAvailable() const override { return true; }
    void startSession(const SessionStart &session) override;
    void touchSession(const QString &sessionId) override;
    void setActivity(const QString &sessionId, Activity activity) override;
    void endSession(const QString &sessionId) override;
    void detachAll() override;
    void setMode(const QString &user, const StoredStatus &status) override;
    void fetch(const QStringList &users, FetchCallback callback) override;
    void watch(const QString &) override {}
    void unwatch(const QString &) override {}
    qint64 nowMs() const override;

private:
    struct Session {
        QString user;
        QString device;
        Activity activity = Activity::Active;
        qint64 lastFrameMs = 0;
    };
    struct UserState {
        StoredStatus status;
        QSet<QString> sessions;
        PresenceEntry entry;
    };

    void recompute(const QString &user, qint64 offlineSeenMs);
    void removeSession(const QString &sessionId, qint64 lastSeenMs);
    void sweep();
    PresenceEntry entryFor(const QString &user) const;

    int m_ttlMs;
    QHash<QString, Session> m_sessions;
    SessionDeadlines m_deadlines;
    QHash<QString, UserState> m_users;
    QTimer m_sweepTimer;
    qint64 m_version = 0;
};

} // namespace presently
