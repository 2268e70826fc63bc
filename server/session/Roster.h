#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

namespace presently {

class PresenceHub;
class PresenceWatcher;

// A session's contacts, who alone may see each other's presence, and the users it watches
// (its contacts unless it unsubscribed some, and none else).
class Roster {
public:
    Roster(PresenceHub *hub, PresenceWatcher *watcher);
    ~Roster();
    Roster(const Roster &) = delete;
    Roster &operator=(const Roster &) = delete;

    bool isContact(const QString &user) const { return m_contacts.contains(user); }
    // Takes the contact set from the store: stops watching those who left; watches new ones
    // when `watchNew`.
    void setContacts(const QStringList &contacts, bool watchNew);
    // Watching only a contact; unwatching anyone watched.
    void watch(const QString &user);
    void unwatch(const QString &user);

private:
    PresenceHub *m_hub;
    PresenceWatcher *m_watcher;
    QSet<QString> m_contacts;
    QSet<QString> m_watched;
};

} // namespace presently
