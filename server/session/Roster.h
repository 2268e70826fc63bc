#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

namespace presently {

class PresenceHub;
class PresenceWatcher;

// A session's contacts, who alone may see each other's presence, and the users it watches
// (its contacts unless it unsubscribed some, and the user itself if it subscribed, none else).
class Roster {
public:
    Roster(PresenceHub *hub, PresenceWatcher *watcher);
    ~Roster();
    Roster(const Roster &) = delete;
    Roster &operator=(const Roster &) = delete;

    bool isContact(const QString &user) const { return m_contacts.contains(user); }
    // Whose presence this session may see: its contacts and its own user.
    bool mayWatch(const QString &user) const { return user == m_self || isContact(user); }
    void setSelf(const QString &user) { m_self = user; }
    // Takes the contact set from the store: stops watching those who left; watches new ones
    // when `watchNew`.
    void setContacts(const QStringList &contacts, bool watchNew);
    // Watching only a contact or oneself; unwatching anyone watched.
    void watch(const QString &user);
    void unwatch(const QString &user);

private:
    PresenceHub *m_hub;
    PresenceWatcher *m_watcher;
    QString m_self;
    QSet<QString> m_contacts;
    QSet<QString> m_watched;
};

} // namespace presently
