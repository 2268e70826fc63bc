#pragma once

#include "EpollLoop.h"
#include "LoadOptions.h"
#include "WsConnection.h"

#include <QJsonObject>
#include <deque>
#include <map>
#include <memory>
#include <vector>

namespace presently::bench {

// Drives many authenticated sessions against one or more gateways, speaking only the protocol,
// and measures what a scenario asks for.
class LoadRunner {
public:
    explicit LoadRunner(const LoadOptions &options);
    // Runs the whole scenario; returns the results (also written to options.output).
    QJsonObject run();

private:
    struct Session {
        int user = 0;
        std::unique_ptr<WsConnection> connection;
        bool welcomed = false;
        std::deque<std::int64_t> heartbeatsSentUs;
        bool idle = false;
        bool heartbeating = false; // its heartbeat chain runs (started at the first welcome)
    };

    bool registerUsers();
    bool connectSessions();
    void openSession(int index);
    void onSessionText(int index, const std::string &text);
    void scheduleHeartbeat(int index, std::int64_t atMs);
    void changeStatusLoop();
    void flapLoop();
    std::string userName(int user) const;
    const GatewayAddress &gatewayOf(int user) const;
    std::string sourceAddressOf(int index) const;

    LoadOptions m_options;
    EpollLoop m_loop;
    std::vector<std::string> m_tokens;
    std::vector<Session> m_sessions;
    int m_welcomed = 0;
    bool m_measuring = false;
    std::vector<double> m_ackRttMs;
    std::vector<double> m_propagationMs;
    std::map<std::string, std::int64_t> m_statusSentUs; // text -> when it was set
    int m_statusSeq = 0;
    int m_falseOffline = 0;
    int m_reconnects = 0;
    std::int64_t m_heartbeatsAcked = 0;
    std::int64_t m_endMs = INT64_MAX; // heartbeats and schedules stop here
};

} // namespace presently::bench
