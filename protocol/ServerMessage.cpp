#include "protocol/ServerMessage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <array>

namespace presently {

namespace {
constexpr std::array<const char *, 12> kTypeNames = {
    "welcome",         "contacts", "presence", "heartbeat_ack", "ok",   "error",
    "contact_request", "sent",     "message",  "messages",      "read", "typing"};

std::optional<ServerMessageType> typeFromName(const QString &name)
{
    for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
        if (name == QLatin1String(kTypeNames[i]))
            return static_cast<ServerMessageType>(i);
    }
    return std::nullopt;
}

qint64 integer(const QJsonObject &o, const char *key)
{
    return static_cast<qint64>(o.value(QLatin1String(key)).toDouble());
}

QString text(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

QStringList names(const QJsonObject &o, const char *key)
{
    QStringList out;
    for (const QJsonValue &v : o.value(QLatin1String(key)).toArray())
        out.append(v.toString());
    return out;
}

QList<UserPresence> presenceList(const QJsonArray &array)
{
    QList<UserPresence> out;
    out.reserve(array.size());
    for (const QJsonValue &v : array)
        out.append(UserPresence::fromJson(v.toObject()));
    return out;
}
} // namespace

std::optional<ServerMessage> ServerMessage::read(const QByteArray &utf8)
{
    const QJsonDocument doc = QJsonDocument::fromJson(utf8);
    if (!doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    const std::optional<ServerMessageType> type = typeFromName(text(o, "type"));
    if (!type)
        return std::nullopt;
    ServerMessage m;
    m.type = *type;
    m.id = o.value(QStringLiteral("id"));
    switch (*type) {
    case ServerMessageType::Welcome:
        m.welcome.user = text(o, "user");
        m.welcome.session = text(o, "session");
        m.welcome.server = text(o, "server");
        m.welcome.token = text(o, "token");
        m.welcome.heartbeatIntervalMs = static_cast<int>(integer(o, "heartbeat_interval"));
        m.welcome.presenceTtlMs = static_cast<int>(integer(o, "presence_ttl"));
        m.welcome.limits = ProtocolLimits::fromWelcomeJson(o.value(QStringLiteral("limits")).toObject());
        m.welcome.ts = integer(o, "ts");
        m.welcome.features = names(o, "features");
        break;
    case ServerMessageType::Contacts:
        for (const QJsonValue &v : o.value(QStringLiteral("contacts")).toArray()) {
            const QJsonObject entry = v.toObject();
            m.users.append(UserPresence::fromJson(entry));
            m.readMarks.insert(text(entry, "user"), {integer(entry, "read_mid"), integer(entry, "peer_read_mid")});
        }
        m.requests = names(o, "requests");
        m.pending = names(o, "pending");
        m.blocked = names(o, "blocked");
        break;
    case ServerMessageType::Presence:
        m.users = presenceList(o.value(QStringLiteral("users")).toArray());
        break;
    case ServerMessageType::HeartbeatAck:
    case ServerMessageType::ContactRequest:
        m.ts = integer(o, "ts");
        m.from = text(o, "from");
        m.to = text(o, "to");
        break;
    case ServerMessageType::Ok:
        break;
    case ServerMessageType::Error:
        // An unknown code from a newer server reads as internal, its message kept.
        m.error.code = errorCodeFromName(text(o, "code")).value_or(ErrorCode::Internal);
        m.error.message = text(o, "message");
        m.error.id = m.id;
        m.error.retryAfterMs = qMax<qint64>(0, qint64(o.value(QLatin1String("retry_after_ms")).toDouble()));
        break;
    case ServerMessageType::Sent:
        m.cid = text(o, "cid");
        m.mid = integer(o, "mid");
        m.ts = integer(o, "ts");
        break;
    case ServerMessageType::Message:
        m.messages.append(ChatMessage::fromJson(o));
        break;
    case ServerMessageType::Messages:
        for (const QJsonValue &v : o.value(QStringLiteral("messages")).toArray())
            m.messages.append(ChatMessage::fromJson(v.toObject()));
        m.more = o.value(QStringLiteral("more")).toBool();
        break;
    case ServerMessageType::Read:
        m.from = text(o, "from");
        m.with = text(o, "with");
        m.mid = integer(o, "mid");
        break;
    case ServerMessageType::Typing:
        m.from = text(o, "from");
        m.state = o.value(QStringLiteral("state")).toBool();
        break;
    }
    return m;
}

} // namespace presently
