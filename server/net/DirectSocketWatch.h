#pragma once

namespace presently {

// A socket that the event dispatcher calls directly when it is ready, with no QSocketNotifier
// object, event or signal in between: for the gateway's sessions, held by the thousand, where
// those were a good part of the memory a heartbeat touches. EpollEventDispatcher (Linux) calls
// these; SocketWatcher is one.
class DirectSocketWatch {
public:
    virtual void socketReady(bool readable, bool writable) = 0;

protected:
    ~DirectSocketWatch() = default;
};

} // namespace presently
