#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace presently {

// Where a Redis server is, and who we are to it: redis://[USER:]PASSWORD@HOST:PORT/DB.
struct RedisAddress {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int db = 0;
    QString user;     // a Redis 6 ACL user; empty: the default user
    QString password; // empty: no AUTH. Never logged.

    // AUTH's arguments: [user] password.
    QList<QByteArray> authArguments() const
    {
        QList<QByteArray> args{QByteArrayLiteral("AUTH")};
        if (!user.isEmpty())
            args.append(user.toUtf8());
        args.append(password.toUtf8());
        return args;
    }
};

} // namespace presently
