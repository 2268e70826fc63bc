#pragma once

#include "sql/StoreResult.h"

#include <QJsonValue>
#include <QtGlobal>
#include <optional>

namespace presently {

class Session;
struct ClientMessage;
struct MessagePage;

// send, history, sync, read and typing, and live delivery: each session receives its user's
// messages in mid order, none skipped and none twice, read from SQL up to the mid an event names.
class MessageRequests {
public:
    explicit MessageRequests(Session &session);

    // The session becomes live: live delivery starts after what is committed now (older messages
    // come by `sync`). False: the store failed.
    bool startLive();
    void send(const ClientMessage &message);
    void history(const ClientMessage &message);
    void sync(const ClientMessage &message);
    void read(const ClientMessage &message);
    void typing(const ClientMessage &message);

    // Delivers every message of this user up to `mid` not delivered yet, in mid order.
    void deliverUpTo(qint64 mid);
    // Delivers everything not delivered yet (the bus may have lost events).
    void deliverAll();

private:
    void sendPage(const StoreResult<MessagePage> &page, const QJsonValue &id);

    Session &m_session;
    qint64 m_lastDeliveredMid = 0; // messages up to here were delivered to (or sent by) this session
};

} // namespace presently
