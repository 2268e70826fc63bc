#pragma once

#include "events/UserEvent.h"

#include <QObject>

namespace presently {

// UserEvents addressed to a user's live sessions wherever they are connected. In process
// (EmbeddedEventBus, the event passed as it is) or over Redis pub/sub (RedisEventBus).
class EventBus : public QObject {
    Q_OBJECT
public:
    explicit EventBus(QObject *parent = nullptr)
        : QObject(parent)
    {}

    // This gateway has (listen) or no longer has (unlisten) live sessions of the user.
    virtual void listen(const QString &user) = 0;
    virtual void unlisten(const QString &user) = 0;
    // Delivered from the event loop, never inside the call.
    virtual void publish(const QString &user, const UserEvent &event) = 0;

Q_SIGNALS:
    void eventReceived(const QString &user, const presently::UserEvent &event);
    // The transport was cut and is back: events published meanwhile may not have arrived.
    void eventsMayHaveBeenLost();
};

} // namespace presently
