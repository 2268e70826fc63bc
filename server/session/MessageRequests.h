#pragma once

#include "messages/MessageStore.h"
#include "sql/StoreResult.h"

#include <QHash>
#include <QJsonValue>
#include <QString>
#include <QtGlobal>
#include <optional>

namespace presently {

class Session;
struct ClientMessage;

// send, history, sync, read and typing, and live delivery: each session receives its user's
// messages in mid order, none skipped and none twice, read from SQL up to the mid an event names.
class MessageRequests {
public:
    explicit MessageRequests(Session &session);

    // The session becomes live: live delivery starts after `lastMid`, the last message committed
    // when it signed in (older messages come by `sync`).
    void startLive(qint64 lastMid);
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
    // What a send came to, checked and stored in one job.
    struct SendOutcome {
        enum class Kind { Stored, NoSuchUser, NotContact } kind = Kind::Stored;
        MessageStore::Inserted inserted; // Stored: the message, new or the original of its cid
    };

    static void answerSend(Session &session, const StoreResult<SendOutcome> &outcome, const QJsonValue &id);
    void sendPage(const StoreResult<MessagePage> &page, const QJsonValue &id);

    static constexpr qint64 kTypingRelayIntervalMs = 2000;

    Session &m_session;
    QHash<QString, qint64> m_typingRelayedAt; // contact -> when "typing" was last relayed to them
    qint64 m_lastDeliveredMid = 0;            // messages up to here were delivered to (or sent by) this session
};

} // namespace presently
