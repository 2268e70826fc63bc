#include "protocol/ClientMessage.h"

#include <QJsonArray>
#include <array>

namespace presently {

namespace {
constexpr std::array<const char *, 21> kTypeNames = {"hello",
                                                     "register",
                                                     "heartbeat",
                                                     "set_status",
                                                     "query",
                                                     "subscribe",
                                                     "unsubscribe",
                                                     "contact_add",
                                                     "contact_accept",
                                                     "contact_remove",
                                                     "send",
                                                     "history",
                                                     "sync",
                                                     "read",
                                                     "typing",
                                                     "bye",
                                                     "logout",
                                                     "logout_all",
                                                     "change_password",
                                                     "block",
                                                     "unblock"};
}

QString clientMessageTypeName(ClientMessageType type)
{
    return QLatin1String(kTypeNames[static_cast<std::size_t>(type)]);
}

std::optional<ClientMessageType> clientMessageTypeFromName(const QString &name)
{
    for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
        if (name == QLatin1String(kTypeNames[i]))
            return static_cast<ClientMessageType>(i);
    }
    return std::nullopt;
}

QJsonObject ClientMessage::toJson() const
{
    QJsonObject o{{QStringLiteral("type"), clientMessageTypeName(type)}};
    if (hasId())
        o.insert(QStringLiteral("id"), id);
    switch (type) {
    case ClientMessageType::Hello:
    case ClientMessageType::Register:
        o.insert(QStringLiteral("v"), version);
        if (!token.isEmpty()) {
            o.insert(QStringLiteral("token"), token);
        } else {
            o.insert(QStringLiteral("user"), user);
            o.insert(QStringLiteral("password"), password);
        }
        o.insert(QStringLiteral("device"), device);
        if (!invite.isEmpty())
            o.insert(QStringLiteral("invite"), invite);
        if (!client.isEmpty())
            o.insert(QStringLiteral("client"), client);
        if (!features.isEmpty())
            o.insert(QStringLiteral("features"), QJsonArray::fromStringList(features));
        break;
    case ClientMessageType::Heartbeat:
        if (activity)
            o.insert(QStringLiteral("status"), activityName(*activity));
        break;
    case ClientMessageType::SetStatus:
        if (mode)
            o.insert(QStringLiteral("mode"), modeName(*mode));
        if (text)
            o.insert(QStringLiteral("text"), *text);
        break;
    case ClientMessageType::Query:
    case ClientMessageType::Subscribe:
    case ClientMessageType::Unsubscribe:
        o.insert(QStringLiteral("users"), QJsonArray::fromStringList(users));
        break;
    case ClientMessageType::ContactAdd:
    case ClientMessageType::ContactAccept:
    case ClientMessageType::ContactRemove:
    case ClientMessageType::Block:
    case ClientMessageType::Unblock:
        o.insert(QStringLiteral("user"), user);
        break;
    case ClientMessageType::Send:
        o.insert(QStringLiteral("to"), to);
        o.insert(QStringLiteral("cid"), cid);
        o.insert(QStringLiteral("body"), body);
        break;
    case ClientMessageType::History:
        o.insert(QStringLiteral("with"), with);
        if (before)
            o.insert(QStringLiteral("before"), *before);
        o.insert(QStringLiteral("limit"), limit);
        break;
    case ClientMessageType::Sync:
        o.insert(QStringLiteral("after"), after);
        break;
    case ClientMessageType::Read:
        o.insert(QStringLiteral("with"), with);
        o.insert(QStringLiteral("mid"), mid);
        break;
    case ClientMessageType::Typing:
        o.insert(QStringLiteral("to"), to);
        o.insert(QStringLiteral("state"), state);
        break;
    case ClientMessageType::ChangePassword:
        o.insert(QStringLiteral("old_password"), oldPassword);
        o.insert(QStringLiteral("password"), password);
        break;
    case ClientMessageType::Bye:
    case ClientMessageType::Logout:
    case ClientMessageType::LogoutAll:
        break;
    }
    return o;
}

} // namespace presently
