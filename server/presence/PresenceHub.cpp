#include "presence/PresenceHub.h"
#include "metrics/Metrics.h"

#include <QPointer>

namespace presently {

PresenceHub::PresenceHub(PresenceStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    connect(store, &PresenceStore::presenceChanged, this, &PresenceHub::onPresenceChanged);
    connect(store, &PresenceStore::resynced, this, &PresenceHub::onResynced);
}

QList<UserPresence> PresenceHub::asSeenAt(QList<UserPresence> users, qint64 nowMs)
{
    for (UserPresence &p : users) {
        if (p.status == Status::Online || p.status == Status::Idle || p.status == Status::Dnd)
            p.lastSeen = nowMs;
    }
    return users;
}

void PresenceHub::watch(PresenceWatcher *watcher, const QString &user)
{
    auto it = m_watched.find(user);
    if (it == m_watched.end()) {
        it = m_watched.insert(user, Watched{});
        m_store->watch(user);
    }
    it->watchers.insert(watcher);
}

void PresenceHub::unwatch(PresenceWatcher *watcher, const QString &user)
{
    const auto it = m_watched.find(user);
    if (it == m_watched.end())
        return;
    it->watchers.remove(watcher);
    if (it->watchers.isEmpty()) {
        m_watched.erase(it);
        m_store->unwatch(user);
    }
}

bool PresenceHub::remember(Watched &watched, const PresenceEntry &entry, bool pushed)
{
    if (watched.known && entry.version <= watched.entry.version)
        return false;
    const bool tell = pushed || (watched.known && entry.presence.visiblyDiffers(watched.entry.presence));
    watched.entry = entry;
    watched.known = true;
    return tell;
}

void PresenceHub::onPresenceChanged(const PresenceEntry &entry)
{
    const auto it = m_watched.find(entry.presence.user);
    if (it == m_watched.end() || !remember(*it, entry, true))
        return;
    ++Metrics::loop().presenceChanges;
    // A watcher may unwatch while being told: iterate over a copy.
    const QSet<PresenceWatcher *> watchers = it->watchers;
    for (PresenceWatcher *w : watchers)
        w->presencePushed(entry.presence);
}

void PresenceHub::onResynced()
{
    const QStringList users = m_watched.keys();
    if (users.isEmpty())
        return;
    m_store->fetch(users, [this, self = QPointer<PresenceHub>(this)](bool ok, const QList<PresenceEntry> &entries) {
        if (!self || !ok)
            return;
        for (const PresenceEntry &entry : entries) {
            const auto it = m_watched.find(entry.presence.user);
            // Nothing known yet is not "offline": the user's own gateway may still be re-asserting.
            if (it == m_watched.end() || !entry.known)
                continue;
            // After an outage versions may restart lower: compare what is visible instead.
            const bool differs = !it->known || entry.presence.visiblyDiffers(it->entry.presence);
            it->entry = entry;
            it->known = true;
            if (!differs)
                continue;
            const QSet<PresenceWatcher *> watchers = it->watchers;
            for (PresenceWatcher *w : watchers)
                w->presencePushed(entry.presence);
        }
    });
}

void PresenceHub::current(const QStringList &users, CurrentCallback callback)
{
    QStringList missing;
    for (const QString &user : users) {
        const auto it = m_watched.constFind(user);
        if (it == m_watched.constEnd() || !it->known)
            missing.append(user);
    }
    auto answer = [this, users](bool ok, const QList<PresenceEntry> &fetched) {
        QHash<QString, UserPresence> byUser;
        for (const PresenceEntry &entry : fetched) {
            const auto it = m_watched.find(entry.presence.user);
            if (it != m_watched.end())
                remember(*it, entry, false);
            byUser.insert(entry.presence.user, entry.presence);
        }
        QList<UserPresence> out;
        out.reserve(users.size());
        for (const QString &user : users) {
            const auto it = m_watched.constFind(user);
            if (it != m_watched.constEnd() && it->known) {
                out.append(it->entry.presence);
            } else if (byUser.contains(user)) {
                out.append(byUser.value(user));
            } else {
                UserPresence offline;
                offline.user = user;
                out.append(offline);
            }
        }
        return std::make_pair(ok, out);
    };
    if (missing.isEmpty()) {
        QMetaObject::invokeMethod(
            this,
            [answer, callback = std::move(callback)] {
                const auto [ok, out] = answer(true, {});
                callback(ok, out);
            },
            Qt::QueuedConnection);
        return;
    }
    m_store->fetch(missing, [self = QPointer<PresenceHub>(this), answer,
                             callback = std::move(callback)](bool ok, const QList<PresenceEntry> &fetched) {
        if (!self) {
            callback(false, {});
            return;
        }
        const auto [allOk, out] = answer(ok, fetched);
        callback(allOk, out);
    });
}

} // namespace presently
