#pragma once

#include "events/EventBus.h"

namespace presently {

// Events within one gateway: passed as they are, without JSON.
class EmbeddedEventBus : public EventBus {
    Q_OBJECT
public:
    using EventBus::EventBus;

    void listen(const QString &) override {}
    void unlisten(const QString &) override {}
    void publish(const QString &user, const UserEvent &event) override;
};

} // namespace presently
