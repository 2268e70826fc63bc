#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <utility>

namespace presently {

// Where a Redis server is, and who we are to it: redis://[USER:]PASSWORD@HOST:PORT/DB, or the
// Sentinels that know it: redis+sentinel://[PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER[/DB].
struct RedisAddress {
    QString host = QStringLiteral("127.0.0.1"); // with Sentinels: the primary they last named
    quint16 port = 6379;
    QList<std::pair<QString, quint16>> sentinels; // empty: host and port are the server
    QString masterName;                           // the Sentinels' name for the primary
    int db = 0;
    QString user;     // a Redis 6 ACL user; empty: the default user
    QString password; // empty: no AUTH. Never logged.

    bool viaSentinel() const { return !sentinels.isEmpty(); }

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
