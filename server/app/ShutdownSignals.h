#pragma once

#include <QObject>

namespace presently {

// Turns SIGINT/SIGTERM (console close events on Windows) into a Qt signal on the event loop.
// One file per platform: ShutdownSignals_unix.cpp, ShutdownSignals_win.cpp.
class ShutdownSignals : public QObject {
    Q_OBJECT
public:
    explicit ShutdownSignals(QObject *parent = nullptr);
    ~ShutdownSignals() override;

Q_SIGNALS:
    void shutdownRequested();

private:
    void install();
};

} // namespace presently
