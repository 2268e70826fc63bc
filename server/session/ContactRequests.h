#pragma once

#include "accounts/AccountStore.h"
#include "protocol/ClientMessage.h"
#include "sql/StoreResult.h"

#include <QHash>
#include <QPair>
#include <QStringList>

namespace presently {

class MessageStore;
class Session;

// contact_add, contact_accept and contact_remove, and the `contacts` message. A change is in
// effect before its `ok`: the session's roster is reloaded first.
class ContactRequests {
public:
    explicit ContactRequests(Session &session);

    void change(const ClientMessage &message);
    // Reads contacts, requests and read marks, takes the contacts into the roster (watching new
    // ones), and sends `contacts` with each contact's presence once it is known. If the store
    // fails, nothing changes (the next change, or a catch-up, reloads).
    void reload();
    // The first `contacts` went out: presence pushes may follow it.
    bool rosterSent() const { return m_rosterSent; }

private:
    // Contacts, requests both ways, and both read marks of each contact (an extension: a new
    // device knows them).
    struct RosterRows {
        QStringList contacts;
        QStringList requests; // people asking this user
        QStringList pending;  // people this user asked
        QStringList blocked;  // people this user blocked
        QHash<QString, QPair<qint64, qint64>> readMarks;
    };
    struct Change {
        ContactChange change;
        RosterRows rows; // when it changed anything: the roster it leaves
    };

    static StoreResult<RosterRows> load(AccountStore *accounts, MessageStore *messages, const QString &self);
    // Takes the rows into the roster and sends `contacts` once the contacts' presence is known.
    void show(const RosterRows &rows);
    // The change committed: answer and tell everyone.
    void changed(const StoreResult<Change> &change, ClientMessageType type, const QString &other, const QJsonValue &id,
                 qint64 now);

    Session &m_session;
    bool m_rosterSent = false;
};

} // namespace presently
