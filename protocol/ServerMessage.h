#pragma once

#include "protocol/ChatMessage.h"
#include "protocol/ProtocolError.h"
#include "protocol/ServerMessages.h"
#include "protocol/UserPresence.h"

#include <QByteArray>
#include <QHash>
#include <QJsonValue>
#include <QPair>
#include <optional>

namespace presently {

enum class ServerMessageType {
    Welcome,
    Contacts,
    Presence,
    HeartbeatAck,
    Ok,
    Error,
    ContactRequest,
    Sent,
    Message,
    Messages,
    Read,
    Typing,
};

// One server-to-client message read into typed values: what a client reads instead of JSON.
// Only the fields of its type are meaningful. The mirror of ClientMessage.
struct ServerMessage {
    ServerMessageType type = ServerMessageType::Ok;
    QJsonValue id = QJsonValue::Undefined; // the request's id, when the reply carries one

    WelcomeInfo welcome;                             // welcome
    QList<UserPresence> users;                       // presence; contacts (the contacts)
    QHash<QString, QPair<qint64, qint64>> readMarks; // contacts: read_mid, peer_read_mid per contact
    QStringList requests;                            // contacts
    QStringList pending;                             // contacts
    QStringList blocked;                             // contacts (extension: whom this user blocked)
    qint64 ts = 0;                                   // heartbeat_ack, contact_request, sent
    ProtocolError error;                             // error (its code and message)
    QString from;                                    // contact_request, read, typing
    QString with;                                    // read
    QString to;                                      // contact_request (extension, with request_frames)
    QString cid;                                     // sent
    qint64 mid = 0;                                  // sent, read
    bool state = false;                              // typing
    QList<ChatMessage> messages;                     // message (one), messages
    bool more = false;                               // messages

    // Reads one frame; empty for a frame that is no server message this client knows (it
    // ignores those: servers may add message types).
    static std::optional<ServerMessage> read(const QByteArray &utf8);
};

} // namespace presently
