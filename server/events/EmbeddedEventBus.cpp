#include "events/EmbeddedEventBus.h"

namespace presently {

void EmbeddedEventBus::publish(const QString &user, const UserEvent &event)
{
    // Delivered from the event loop, never inside the publisher's call, as over Redis.
    QMetaObject::invokeMethod(
        this, [this, user, event] { Q_EMIT eventReceived(user, event); }, Qt::QueuedConnection);
}

} // namespace presently
