#pragma once

#include <QJsonObject>
#include <QString>

namespace presently {

// A direct message as the protocol carries it (`message`, and entries of `messages`).
struct ChatMessage {
    qint64 mid = 0;
    QString cid;
    QString from;
    QString to;
    QString body;
    qint64 ts = 0;

    QJsonObject toJson() const;
    static ChatMessage fromJson(const QJsonObject &object);
};

} // namespace presently
