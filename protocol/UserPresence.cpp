#include "protocol/UserPresence.h"

#include <QJsonArray>

namespace presently {

QJsonObject UserPresence::toJson() const
{
    QJsonObject o{{QStringLiteral("user"), user}, {QStringLiteral("status"), statusName(status)}};
    if (status == Status::Unknown)
        return o;
    o.insert(QStringLiteral("text"), text);
    o.insert(QStringLiteral("since"), since);
    o.insert(QStringLiteral("last_seen"), lastSeen);
    o.insert(QStringLiteral("devices"), QJsonArray::fromStringList(devices));
    return o;
}

UserPresence UserPresence::fromJson(const QJsonObject &object)
{
    UserPresence p;
    p.user = object.value(QStringLiteral("user")).toString();
    p.status = statusFromName(object.value(QStringLiteral("status")).toString()).value_or(Status::Unknown);
    p.text = object.value(QStringLiteral("text")).toString();
    p.since = static_cast<qint64>(object.value(QStringLiteral("since")).toDouble());
    p.lastSeen = static_cast<qint64>(object.value(QStringLiteral("last_seen")).toDouble());
    for (const QJsonValue &d : object.value(QStringLiteral("devices")).toArray())
        p.devices.append(d.toString());
    return p;
}

UserPresence UserPresence::unknown(const QString &user)
{
    UserPresence p;
    p.user = user;
    p.status = Status::Unknown;
    return p;
}

bool UserPresence::visiblyDiffers(const UserPresence &other) const
{
    return status != other.status || text != other.text || devices != other.devices;
}

bool UserPresence::operator==(const UserPresence &other) const
{
    return user == other.user && status == other.status && text == other.text && since == other.since &&
           lastSeen == other.lastSeen && devices == other.devices;
}

} // namespace presently
