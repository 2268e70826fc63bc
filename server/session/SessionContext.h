#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace presently {

class AccountStore;
class EventBus;
class MessageStore;
class PresenceHub;
class PresenceStore;
class Session;
class SqlThread;
struct UserPresence;

// The stores and buses a session's requests use. Owned by the composition root.
struct SessionServices {
    AccountStore *accounts = nullptr;
    MessageStore *messages = nullptr;
    PresenceStore *presence = nullptr; // also the server clock (Redis' clock with Redis)
    PresenceHub *hub = nullptr;
    EventBus *bus = nullptr;
    // Writes that wait for a commit run on this thread, through stores whose connections live
    // there, so that no fsync holds up the event loop (Session::onSqlThread). Null: on the loop.
    SqlThread *sqlThread = nullptr;
    AccountStore *sqlThreadAccounts = nullptr;
    MessageStore *sqlThreadMessages = nullptr;
};

// What a session needs from the gateway around it (SessionRegistry, or a test): to be routed to
// once live, the event loop's turn counter for fairness, and presence pushes framed once.
class SessionContext {
public:
    virtual void sessionLive(Session *session) = 0;
    virtual void sessionGone(Session *session) = 0;
    // Counts the event loop's wake-ups (see RequestQueue).
    virtual const quint64 *loopTurn() const = 0;
    // The push of one presence change as every watcher gets it: built once per fan-out.
    virtual QByteArray presenceFrame(const UserPresence &presence) = 0;

protected:
    ~SessionContext() = default;
};

} // namespace presently
