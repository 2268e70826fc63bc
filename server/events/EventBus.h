#pragma once

#include <QJsonObject>
#include <QObject>

namespace presently {

// Events addressed to a user's live sessions wherever they are connected (contacts changed,
// contact requests; later chat messages). In process or over Redis pub/sub.
class EventBus : public QObject {
    Q_OBJECT
public:
    explicit EventBus(QObject *parent = nullptr)
        : QObject(parent)
    {}

    // This gateway has (listen) or no longer has (unlisten) live sessions of the user.
    virtual void listen(const QString &user) = 0;
    virtual void unlisten(const QString &user) = 0;
    virtual void publish(const QString &user, const QJsonObject &event) = 0;

Q_SIGNALS:
    void eventReceived(const QString &user, const QJsonObject &event);
    // The transport was cut and is back: events published meanwhile may not have arrived.
    void eventsMayHaveBeenLost();
};

} // namespace presently
