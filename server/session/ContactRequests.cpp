#include "session/ContactRequests.h"

#include "accounts/AccountStore.h"
#include "events/EventBus.h"
#include "messages/MessageStore.h"
#include "presence/PresenceHub.h"
#include "protocol/ServerMessages.h"
#include "session/Session.h"

#include <QJsonArray>
#include <QPointer>

namespace presently {

ContactRequests::ContactRequests(Session &session)
    : m_session(session)
{}

void ContactRequests::change(const ClientMessage &m)
{
    const QString &self = m_session.user();
    if (m.user == self) {
        m_session.sendError(ErrorCode::BadRequest, QStringLiteral("field 'user' must not be yourself"), m.id);
        return;
    }
    const qint64 now = m_session.serverNowMs();
    const auto write = [type = m.type, self, other = m.user, now](AccountStore *accounts, MessageStore *) {
        return type == ClientMessageType::ContactAdd      ? accounts->addContact(self, other, now)
               : type == ClientMessageType::ContactAccept ? accounts->acceptContact(self, other, now)
                                                          : accounts->removeContact(self, other);
    };
    m_session.onSqlThread<StoreResult<ContactChange>>(
        write, [this, type = m.type, other = m.user, id = m.id, now](const StoreResult<ContactChange> &change) {
            changed(change, type, other, id, now);
        });
}

void ContactRequests::changed(const StoreResult<ContactChange> &change, ClientMessageType type, const QString &other,
                              const QJsonValue &id, qint64 now)
{
    const QString &self = m_session.user();
    EventBus *bus = m_session.services().bus;
    if (!change) {
        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        return;
    }
    switch (*change) {
    case ContactChange::NotFound:
        m_session.sendError(ErrorCode::NotFound,
                            type == ClientMessageType::ContactAccept ? QStringLiteral("no request from that user")
                                                                     : QStringLiteral("no such user"),
                            id);
        return;
    case ContactChange::Unchanged:
        m_session.sendOk(id);
        return;
    case ContactChange::Requested:
        bus->publish(other, UserEvents::ContactRequest{self, now});
        break;
    case ContactChange::Connected:
    case ContactChange::Removed:
        break;
    }
    // In effect before `ok`: this session's next frame sees the new contact set (no presence of a
    // removed contact, answered or pushed). Its own `contacts` push goes out now; the event tells
    // the users' other sessions, wherever they are, and this one skips it.
    reload();
    m_session.sendOk(id);
    const UserEvent changed = UserEvents::ContactsChanged{m_session.sessionId()};
    bus->publish(self, changed);
    bus->publish(other, changed);
}

void ContactRequests::reload()
{
    AccountStore *accounts = m_session.services().accounts;
    MessageStore *messages = m_session.services().messages;
    const QString &self = m_session.user();
    const StoreResult<QStringList> contacts = accounts->contacts(self);
    const StoreResult<QStringList> requestsTo = accounts->requestsTo(self);
    const StoreResult<QStringList> requestsFrom = accounts->requestsFrom(self);
    if (!contacts || !requestsTo || !requestsFrom)
        return; // the store failed (and logged it): the roster stays; the next change or catch-up reloads
    const QStringList contactList = *contacts;
    const QStringList requests = *requestsTo;
    const QStringList pending = *requestsFrom;
    // Extension: each contact entry carries both read marks, so a new device knows them.
    QHash<QString, QPair<qint64, qint64>> readMarks;
    for (const QString &contact : contactList) {
        const StoreResult<qint64> own = messages->readMark(self, contact);
        const StoreResult<qint64> peer = messages->readMark(contact, self);
        readMarks.insert(contact, {own ? *own : 0, peer ? *peer : 0});
    }
    m_session.roster().setContacts(contactList, true);

    m_session.queue().beginAsync();
    m_session.services().hub->current(contactList, [session = QPointer<Session>(&m_session), this, requests, pending,
                                                    readMarks](bool, const QList<UserPresence> &users) {
        if (!session)
            return;
        QJsonObject contacts =
            ServerMessages::contacts(PresenceHub::asSeenAt(users, session->serverNowMs()), requests, pending);
        QJsonArray entries = contacts.value(QStringLiteral("contacts")).toArray();
        for (qsizetype i = 0; i < entries.size(); ++i) {
            QJsonObject entry = entries.at(i).toObject();
            const auto marks = readMarks.value(entry.value(QStringLiteral("user")).toString());
            entry.insert(QStringLiteral("read_mid"), marks.first);
            entry.insert(QStringLiteral("peer_read_mid"), marks.second);
            entries[i] = entry;
        }
        contacts.insert(QStringLiteral("contacts"), entries);
        session->send(contacts);
        m_rosterSent = true;
        session->queue().endAsync();
    });
}

} // namespace presently
