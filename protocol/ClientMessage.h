#pragma once

#include "protocol/Protocol.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>
#include <optional>

namespace presently {

enum class ClientMessageType {
    Hello,
    Register,
    Heartbeat,
    SetStatus,
    Query,
    Subscribe,
    Unsubscribe,
    ContactAdd,
    ContactAccept,
    ContactRemove,
    Send,
    History,
    Sync,
    Read,
    Typing,
    Bye,
    Logout,
    // Extensions (docs/protocol.md).
    LogoutAll,
    ChangePassword,
    Block,
    Unblock,
};

QString clientMessageTypeName(ClientMessageType type);
std::optional<ClientMessageType> clientMessageTypeFromName(const QString &name);

// One validated client-to-server message. Only the fields of its type are meaningful.
struct ClientMessage {
    ClientMessageType type = ClientMessageType::Heartbeat;
    QJsonValue id = QJsonValue::Undefined; // string or integer when present

    // hello / register
    int version = kProtocolVersion;
    QString user;        // also contact_* target
    QString password;    // also change_password's new password
    QString oldPassword; // change_password
    QString invite;      // register, on a server that registers by invitation
    QString token;
    QString device = QStringLiteral("unknown");
    QString client;
    QStringList features; // hello / register: extensions asked for (Feature)

    // heartbeat / set_status
    std::optional<Activity> activity;
    std::optional<Mode> mode;
    std::optional<QString> text;

    // query / subscribe / unsubscribe
    QStringList users;

    // messages
    QString to;
    QString with;
    QString cid;
    QString body;
    std::optional<qint64> before;
    qint64 after = 0;
    qint64 mid = 0;
    int limit = 50;
    bool state = false;

    bool hasId() const { return id.isString() || id.isDouble(); }
    QJsonObject toJson() const;
};

} // namespace presently
