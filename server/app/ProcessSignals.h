#pragma once

#include <QObject>

namespace presently {

// Turns SIGINT/SIGTERM (console close events on Windows) and SIGHUP (Unix only) into Qt signals
// on the event loop. One file per platform: ProcessSignals_unix.cpp, ProcessSignals_win.cpp.
class ProcessSignals : public QObject {
    Q_OBJECT
public:
    explicit ProcessSignals(QObject *parent = nullptr);
    ~ProcessSignals() override;

Q_SIGNALS:
    void shutdownRequested();
    // SIGHUP: read the certificate again.
    void reloadRequested();

private:
    void install();
};

} // namespace presently
