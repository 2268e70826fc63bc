#include "protocol/ChatMessage.h"

namespace presently {

QJsonObject ChatMessage::toJson() const
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                       {QStringLiteral("mid"), mid},
                       {QStringLiteral("cid"), cid},
                       {QStringLiteral("from"), from},
                       {QStringLiteral("to"), to},
                       {QStringLiteral("body"), body},
                       {QStringLiteral("ts"), ts}};
}

ChatMessage ChatMessage::fromJson(const QJsonObject &o)
{
    ChatMessage m;
    m.mid = static_cast<qint64>(o.value(QStringLiteral("mid")).toDouble());
    m.cid = o.value(QStringLiteral("cid")).toString();
    m.from = o.value(QStringLiteral("from")).toString();
    m.to = o.value(QStringLiteral("to")).toString();
    m.body = o.value(QStringLiteral("body")).toString();
    m.ts = static_cast<qint64>(o.value(QStringLiteral("ts")).toDouble());
    return m;
}

} // namespace presently
