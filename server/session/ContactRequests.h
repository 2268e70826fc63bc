#pragma once

#include "accounts/AccountStore.h"
#include "protocol/ClientMessage.h"
#include "sql/StoreResult.h"

namespace presently {

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
    // The store answered a change (committed on the SQL thread): answer and tell everyone.
    void changed(const StoreResult<ContactChange> &change, ClientMessageType type, const QString &other,
                 const QJsonValue &id, qint64 now);

    Session &m_session;
    bool m_rosterSent = false;
};

} // namespace presently
