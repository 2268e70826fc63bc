#pragma once

#include "presence/PresenceStore.h"
#include "presence/PresenceWatcher.h"

#include <QHash>
#include <QSet>

namespace presently {

// The gateway's view of presence: which local sessions watch which users, a cache of the users
// watched here, and the fan-out of changes to the watchers. The store is told to watch a user
// only while at least one local session does, so Redis fans out only to gateways that care.
class PresenceHub : public QObject {
    Q_OBJECT
public:
    using CurrentCallback = std::function<void(bool ok, const QList<UserPresence> &)>;

    explicit PresenceHub(PresenceStore *store, QObject *parent = nullptr);

    void watch(PresenceWatcher *watcher, const QString &user);
    void unwatch(PresenceWatcher *watcher, const QString &user);

    // The current presence of the users, in their order: from the cache where it holds the
    // user, else from the store. Always answers from the event loop.
    void current(const QStringList &users, CurrentCallback callback);

    int watchedUserCount() const { return static_cast<int>(m_watched.size()); }

    // Presence entries as sent at `nowMs`: a live user's last_seen is that moment.
    static QList<UserPresence> asSeenAt(QList<UserPresence> users, qint64 nowMs);

private:
    struct Watched {
        QSet<PresenceWatcher *> watchers;
        PresenceEntry entry;
        bool known = false;
    };

    void onPresenceChanged(const PresenceEntry &entry);
    void onResynced();
    // Takes a fetched or pushed entry into the cache; true if watchers must be told.
    bool remember(Watched &watched, const PresenceEntry &entry, bool pushed);

    PresenceStore *m_store;
    QHash<QString, Watched> m_watched;
};

} // namespace presently
