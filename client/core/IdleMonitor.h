#pragma once

#include "core/IdleSource.h"
#include "protocol/Protocol.h"

#include <QObject>
#include <QTimer>

namespace presently {

// Turns an IdleSource into the protocol's activity: idle after `thresholdMs` without input
// anywhere (or at once when the screen locks), active again on the next input.
class IdleMonitor : public QObject {
    Q_OBJECT
public:
    IdleMonitor(std::unique_ptr<IdleSource> source, QObject *parent = nullptr);

    void setThresholdMs(qint64 ms) { m_thresholdMs = ms; }
    void setPollIntervalMs(int ms) { m_poll.setInterval(ms); }
    Activity activity() const { return m_activity; }
    IdleSource *source() const { return m_source.get(); }
    void check();

Q_SIGNALS:
    void activityChanged(presently::Activity activity);

private:
    std::unique_ptr<IdleSource> m_source;
    qint64 m_thresholdMs = 5 * 60 * 1000;
    Activity m_activity = Activity::Active;
    QTimer m_poll;
};

} // namespace presently
