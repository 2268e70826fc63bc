#pragma once

#include "events/EventBus.h"

namespace presently {

class EmbeddedEventBus : public EventBus {
    Q_OBJECT
public:
    using EventBus::EventBus;

    void listen(const QString &) override {}
    void unlisten(const QString &) override {}
    void publish(const QString &user, const QJsonObject &event) override;
};

} // namespace presently
