#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace presently {

// How late the event loop runs: a 100 ms timer notes how much later than asked it fired
// (presently_event_loop_lag_seconds). A loop that stalls on one connection, a slow callback or
// the machine shows here before clients feel it.
class LoopLagProbe : public QObject {
    Q_OBJECT
public:
    explicit LoopLagProbe(QObject *parent = nullptr);

private:
    void fired();

    QTimer m_timer;
    QElapsedTimer m_since;
};

} // namespace presently
