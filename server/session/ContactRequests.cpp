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
    // The change, and when it changed anything the roster as it leaves it, in one job.
    const int maxWaiting = m_session.settings().maxWaitingRequests;
    const auto write = [type = m.type, self, other = m.user, now,
                        maxWaiting](AccountStore *accounts, MessageStore *messages) -> StoreResult<Change> {
        const StoreResult<ContactChange> change =
            type == ClientMessageType::ContactAdd      ? accounts->addContact(self, other, now, maxWaiting)
            : type == ClientMessageType::ContactAccept ? accounts->acceptContact(self, other, now)
            : type == ClientMessageType::Block         ? accounts->block(self, other, now)
            : type == ClientMessageType::Unblock       ? accounts->unblock(self, other)
                                                       : accounts->removeContact(self, other, now);
        if (!change)
            return change.error();
        if (*change == ContactChange::NotFound || *change == ContactChange::Unchanged ||
            *change == ContactChange::BlockedByYou || *change == ContactChange::TooManyPending)
            return Change{*change, {}};
        const StoreResult<RosterRows> rows = load(accounts, messages, self);
        if (!rows)
            return rows.error(); // the change is undone with it
        return Change{*change, *rows};
    };
    m_session.write<Change>(write, [this, type = m.type, other = m.user, id = m.id,
                                    now](const StoreResult<Change> &change) { changed(change, type, other, id, now); });
}

void ContactRequests::changed(const StoreResult<Change> &result, ClientMessageType type, const QString &other,
                              const QJsonValue &id, qint64 now)
{
    if (!result) {
        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        return;
    }
    const ContactChange change = result->change;
    const QString &self = m_session.user();
    EventBus *bus = m_session.services().bus;
    switch (change) {
    case ContactChange::NotFound:
        m_session.sendError(ErrorCode::NotFound,
                            type == ClientMessageType::ContactAccept ? QStringLiteral("no request from that user")
                                                                     : QStringLiteral("no such user"),
                            id);
        return;
    case ContactChange::Unchanged:
        m_session.sendOk(id);
        return;
    case ContactChange::BlockedByYou:
        m_session.sendError(ErrorCode::Forbidden, QStringLiteral("you blocked this user; unblock them first"), id);
        return;
    case ContactChange::TooManyPending:
        m_session.sendError(ErrorCode::RateLimited,
                            QStringLiteral("too many of your requests are waiting; cancel some first"), id);
        return;
    case ContactChange::Requested: {
        // Only requests and pending lists change: one small frame to every session of both (a
        // session without Feature::RequestFrames reloads its `contacts` as the contract says).
        if (m_session.wantsRequestFrames())
            m_session.send(ServerMessages::contactRequest(self, now, other));
        else
            show(result->rows);
        m_session.sendOk(id);
        const UserEvent requested = UserEvents::ContactRequest{self, other, now, m_session.sessionId()};
        bus->publish(self, requested);
        bus->publish(other, requested);
        return;
    }
    case ContactChange::Connected:
    case ContactChange::Removed:
        break;
    }
    // In effect before `ok`: this session's next frame sees the new contact set (no presence of a
    // removed contact, answered or pushed). Its own `contacts` push goes out now; the event tells
    // the users' other sessions, wherever they are, and this one skips it.
    show(result->rows);
    m_session.sendOk(id);
    const UserEvent changed = UserEvents::ContactsChanged{m_session.sessionId()};
    bus->publish(self, changed);
    bus->publish(other, changed);
}

StoreResult<ContactRequests::RosterRows> ContactRequests::load(AccountStore *accounts, MessageStore *messages,
                                                               const QString &self)
{
    RosterRows rows;
    for (auto [list, read] :
         {std::pair{&rows.contacts, &AccountStore::contacts}, std::pair{&rows.requests, &AccountStore::requestsTo},
          std::pair{&rows.pending, &AccountStore::requestsFrom}, std::pair{&rows.blocked, &AccountStore::blockedBy}}) {
        const StoreResult<QStringList> found = (accounts->*read)(self);
        if (!found)
            return found.error();
        *list = *found;
    }
    for (const QString &contact : std::as_const(rows.contacts)) {
        const StoreResult<qint64> own = messages->readMark(self, contact);
        const StoreResult<qint64> peer = messages->readMark(contact, self);
        rows.readMarks.insert(contact, {own ? *own : 0, peer ? *peer : 0});
    }
    return rows;
}

void ContactRequests::reload()
{
    m_session.read<StoreResult<RosterRows>>(
        [self = m_session.user()](AccountStore *accounts, MessageStore *messages) {
            return load(accounts, messages, self);
        },
        [this](const StoreResult<RosterRows> &rows) {
            if (rows && m_session.isLive())
                show(*rows);
            // else the store failed (and logged it): the roster stays; the next change or catch-up reloads
        });
}

void ContactRequests::show(const RosterRows &rows)
{
    m_session.roster().setContacts(rows.contacts, true);

    m_session.queue().beginAsync();
    m_session.services().hub->current(
        rows.contacts, [session = QPointer<Session>(&m_session), this, requests = rows.requests, pending = rows.pending,
                        blocked = rows.blocked, readMarks = rows.readMarks](bool, const QList<UserPresence> &users) {
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
            if (!blocked.isEmpty())
                contacts.insert(QStringLiteral("blocked"), QJsonArray::fromStringList(blocked));
            session->send(contacts);
            m_rosterSent = true;
            session->queue().endAsync();
        });
}

} // namespace presently
