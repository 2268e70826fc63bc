#include "session/Roster.h"

#include "presence/PresenceHub.h"

namespace presently {

Roster::Roster(PresenceHub *hub, PresenceWatcher *watcher)
    : m_hub(hub)
    , m_watcher(watcher)
{}

Roster::~Roster()
{
    for (const QString &user : std::as_const(m_watched))
        m_hub->unwatch(m_watcher, user);
}

void Roster::setContacts(const QStringList &contactList, bool watchNew)
{
    const QSet<QString> contacts(contactList.cbegin(), contactList.cend());
    for (const QString &gone : m_contacts - contacts)
        unwatch(gone);
    if (watchNew) {
        for (const QString &added : contacts - m_contacts) {
            if (!m_watched.contains(added)) {
                m_watched.insert(added);
                m_hub->watch(m_watcher, added);
            }
        }
    }
    m_contacts = contacts;
}

void Roster::watch(const QString &user)
{
    if (mayWatch(user) && !m_watched.contains(user)) {
        m_watched.insert(user);
        m_hub->watch(m_watcher, user);
    }
}

void Roster::unwatch(const QString &user)
{
    if (m_watched.remove(user))
        m_hub->unwatch(m_watcher, user);
}

} // namespace presently
