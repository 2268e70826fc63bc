#include "protocol/ServerMessages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <charconv>
#include <string_view>

namespace presently::ServerMessages {

namespace {
QJsonArray presenceArray(const QList<UserPresence> &users)
{
    QJsonArray array;
    for (const UserPresence &p : users)
        array.append(p.toJson());
    return array;
}

void insertId(QJsonObject &o, const QJsonValue &id)
{
    if (id.isString() || id.isDouble())
        o.insert(QStringLiteral("id"), id);
}
} // namespace

QByteArray toFrame(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject welcome(const WelcomeInfo &info)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("welcome")},
                  {QStringLiteral("v"), kProtocolVersion},
                  {QStringLiteral("user"), info.user},
                  {QStringLiteral("session"), info.session},
                  {QStringLiteral("server"), info.server},
                  {QStringLiteral("token"), info.token},
                  {QStringLiteral("heartbeat_interval"), info.heartbeatIntervalMs},
                  {QStringLiteral("presence_ttl"), info.presenceTtlMs},
                  {QStringLiteral("limits"), info.limits.toWelcomeJson()},
                  {QStringLiteral("ts"), info.ts}};
    if (!info.features.isEmpty())
        o.insert(QStringLiteral("features"), QJsonArray::fromStringList(info.features));
    return o;
}

QJsonObject error(const ProtocolError &error)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("error")},
                  {QStringLiteral("code"), errorCodeName(error.code)},
                  {QStringLiteral("message"), error.message}};
    if (error.retryAfterMs > 0)
        o.insert(QStringLiteral("retry_after_ms"), error.retryAfterMs);
    insertId(o, error.id);
    return o;
}

QJsonObject ok(const QJsonValue &id)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("ok")}};
    insertId(o, id);
    return o;
}

QJsonObject heartbeatAck(qint64 ts, const QJsonValue &id)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("heartbeat_ack")}, {QStringLiteral("ts"), ts}};
    insertId(o, id);
    return o;
}

QByteArray heartbeatAckFrame(qint64 ts)
{
    // The frame a gateway sends most: written directly, the same JSON as toFrame(heartbeatAck(ts)),
    // for the heartbeats that carry no id (all of our client's).
    static constexpr std::string_view head = R"({"ts":)";
    static constexpr std::string_view tail = R"(,"type":"heartbeat_ack"})";
    char frame[head.size() + 24 + tail.size()];
    char *end = std::copy(head.begin(), head.end(), frame);
    end = std::to_chars(end, end + 24, ts).ptr;
    end = std::copy(tail.begin(), tail.end(), end);
    return QByteArray(frame, end - frame);
}

QJsonObject presence(const QList<UserPresence> &users, const QJsonValue &id)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("presence")},
                  {QStringLiteral("users"), presenceArray(users)}};
    insertId(o, id);
    return o;
}

QJsonObject contacts(const QList<UserPresence> &contacts, const QStringList &requests, const QStringList &pending)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("contacts")},
                       {QStringLiteral("contacts"), presenceArray(contacts)},
                       {QStringLiteral("requests"), QJsonArray::fromStringList(requests)},
                       {QStringLiteral("pending"), QJsonArray::fromStringList(pending)}};
}

QJsonObject contactRequest(const QString &from, qint64 ts, const QString &to)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("contact_request")},
                  {QStringLiteral("from"), from},
                  {QStringLiteral("ts"), ts}};
    if (!to.isEmpty())
        o.insert(QStringLiteral("to"), to);
    return o;
}

QJsonObject sent(const QString &cid, qint64 mid, qint64 ts, const QJsonValue &id)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("sent")},
                  {QStringLiteral("cid"), cid},
                  {QStringLiteral("mid"), mid},
                  {QStringLiteral("ts"), ts}};
    insertId(o, id);
    return o;
}

QJsonObject messages(const QList<ChatMessage> &messages, bool more, const QJsonValue &id)
{
    QJsonArray array;
    for (const ChatMessage &m : messages)
        array.append(m.toJson());
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("messages")},
                  {QStringLiteral("messages"), array},
                  {QStringLiteral("more"), more}};
    insertId(o, id);
    return o;
}

QJsonObject read(const QString &from, const QString &with, qint64 mid)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("read")},
                       {QStringLiteral("from"), from},
                       {QStringLiteral("with"), with},
                       {QStringLiteral("mid"), mid}};
}

QJsonObject typing(const QString &from, bool state)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("typing")},
                       {QStringLiteral("from"), from},
                       {QStringLiteral("state"), state}};
}

} // namespace presently::ServerMessages
