#include "events/UserEvent.h"

#include "base/Overloaded.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace presently::UserEventCodec {

namespace {
QString kind(const QJsonObject &o)
{
    return o.value(QStringLiteral("kind")).toString();
}

qint64 integer(const QJsonObject &o, const char *key)
{
    return static_cast<qint64>(o.value(QLatin1String(key)).toDouble());
}
} // namespace

QByteArray encode(const UserEvent &event)
{
    using namespace UserEvents;
    const QJsonObject o = std::visit(
        Overloaded{
            [](const ContactsChanged &e) {
                return QJsonObject{{QStringLiteral("kind"), QStringLiteral("contacts")},
                                   {QStringLiteral("session"), e.bySession}};
            },
            [](const ContactRequest &e) {
                return QJsonObject{{QStringLiteral("kind"), QStringLiteral("contact_requested")},
                                   {QStringLiteral("from"), e.from},
                                   {QStringLiteral("to"), e.to},
                                   {QStringLiteral("ts"), e.ts},
                                   {QStringLiteral("session"), e.bySession}};
            },
            [](const MessageStored &e) {
                return QJsonObject{{QStringLiteral("kind"), QStringLiteral("message")}, {QStringLiteral("mid"), e.mid}};
            },
            [](const ReadMoved &e) {
                return QJsonObject{{QStringLiteral("kind"), QStringLiteral("read")},
                                   {QStringLiteral("from"), e.from},
                                   {QStringLiteral("with"), e.with},
                                   {QStringLiteral("mid"), e.mid},
                                   {QStringLiteral("session"), e.bySession}};
            },
            [](const Typing &e) {
                return QJsonObject{{QStringLiteral("kind"), QStringLiteral("typing")},
                                   {QStringLiteral("from"), e.from},
                                   {QStringLiteral("state"), e.state}};
            },
            [](const TokensRevoked &e) {
                return QJsonObject{{QStringLiteral("kind"), QStringLiteral("tokens_revoked")},
                                   {QStringLiteral("digest"), e.digest},
                                   {QStringLiteral("all_but"), e.allBut}};
            },
            [](const CatchUp &) { return QJsonObject{}; },
        },
        event);
    if (o.isEmpty())
        return {};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<UserEvent> decode(const QByteArray &json)
{
    using namespace UserEvents;
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    const QString k = kind(o);
    const auto text = [&o](const char *key) { return o.value(QLatin1String(key)).toString(); };
    if (k == QLatin1String("contacts"))
        return ContactsChanged{text("session")};
    if (k == QLatin1String("contact_requested"))
        return ContactRequest{text("from"), text("to"), integer(o, "ts"), text("session")};
    if (k == QLatin1String("message"))
        return MessageStored{integer(o, "mid")};
    if (k == QLatin1String("read"))
        return ReadMoved{text("from"), text("with"), integer(o, "mid"), text("session")};
    if (k == QLatin1String("typing"))
        return Typing{text("from"), o.value(QStringLiteral("state")).toBool()};
    if (k == QLatin1String("tokens_revoked"))
        return TokensRevoked{text("digest"), o.value(QStringLiteral("all_but")).toBool()};
    return std::nullopt;
}

} // namespace presently::UserEventCodec
