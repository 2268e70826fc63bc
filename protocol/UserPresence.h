#pragma once

#include "protocol/Protocol.h"

#include <QJsonObject>
#include <QStringList>

namespace presently {

// One user's presence as others see it (an entry of `presence` and `contacts`).
struct UserPresence {
    QString user;
    Status status = Status::Offline;
    QString text;
    qint64 since = 0;
    qint64 lastSeen = 0;
    QStringList devices;

    // For unknown users only {user, status} goes on the wire.
    QJsonObject toJson() const;
    static UserPresence fromJson(const QJsonObject &object);
    static UserPresence unknown(const QString &user);

    // Whether the change to `other` is one the protocol pushes (status, text or devices).
    bool visiblyDiffers(const UserPresence &other) const;
    bool operator==(const UserPresence &other) const;
};

} // namespace presently
