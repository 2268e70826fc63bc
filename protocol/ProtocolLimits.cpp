#include "protocol/ProtocolLimits.h"

namespace presently {

QJsonObject ProtocolLimits::toWelcomeJson() const
{
    return QJsonObject{
        {QStringLiteral("max_message_bytes"), maxMessageBytes}, {QStringLiteral("max_body_chars"), maxBodyChars},
        {QStringLiteral("max_text_chars"), maxTextChars},       {QStringLiteral("max_query_users"), maxQueryUsers},
        {QStringLiteral("rate_per_s"), ratePerSecond},          {QStringLiteral("rate_burst"), rateBurst}};
}

ProtocolLimits ProtocolLimits::fromWelcomeJson(const QJsonObject &limits)
{
    ProtocolLimits l;
    l.maxMessageBytes = limits.value(QStringLiteral("max_message_bytes")).toInt(l.maxMessageBytes);
    l.maxBodyChars = limits.value(QStringLiteral("max_body_chars")).toInt(l.maxBodyChars);
    l.maxTextChars = limits.value(QStringLiteral("max_text_chars")).toInt(l.maxTextChars);
    l.maxQueryUsers = limits.value(QStringLiteral("max_query_users")).toInt(l.maxQueryUsers);
    l.ratePerSecond = limits.value(QStringLiteral("rate_per_s")).toInt(l.ratePerSecond);
    l.rateBurst = limits.value(QStringLiteral("rate_burst")).toInt(l.rateBurst);
    return l;
}

} // namespace presently
