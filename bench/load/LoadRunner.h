#pragma once

#include "EpollLoop.h"
#include "LoadOptions.h"
#include "ShardSamples.h"
#include "ShardSync.h"
#include "SystemStats.h"
#include "WsConnection.h"

#include <QJsonObject>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

namespace presently::bench {

// Drives many authenticated sessions against one or more gateways, speaking only the protocol,
// and measures what a scenario asks for. Several processes (shards) can share one run; each
// opens its share of the sessions and shard 0 merges the samples.
class LoadRunner {
public:
    explicit LoadRunner(const LoadOptions &options);
    // Runs the whole scenario; returns the results (shard 0 also writes them to options.output).
    QJsonObject run();

private:
    struct Session {
        int user = 0;
        std::unique_ptr<WsConnection> connection;
        bool welcomed = false;
        bool refused = false;
        bool idle = false;
        bool heartbeating = false; // its heartbeat chain runs (started at the first welcome)
        bool dropAfterAck = false; // drops: vanish once the server has acknowledged this frame
        std::deque<std::int64_t> heartbeatsSentUs;
        // Per heartbeat in heartbeatsSentUs: a request of this session was still unanswered, so
        // its ack waits behind that request's answer (frames are answered in order).
        std::deque<bool> heartbeatsBehindRequest;
        int requestsInFlight = 0; // set_status and send not answered yet
        // changes: user -> the activity change of theirs already timed at this watcher
        std::unordered_map<int, std::int64_t> activityTimed;
    };
    // changes: a user's last change of activity, carried by a heartbeat.
    struct ActivityChange {
        std::int64_t sentUs = 0;
        bool idle = false;
        std::int64_t seq = 0;
        bool behindRequest = false; // not timed: it waits for its session's own request
    };
    // What shard 0 reads off the gateways and Redis around each step.
    struct StepStats {
        double windowS = 0;
        CpuSeconds gatewayCpu;
        double toolCpuS = 0;
        RedisCounters redis;
        std::int64_t fsyncs = 0;
    };

    bool registerUsers();
    bool loadTokens(const std::string &content);
    std::string tokensText() const;
    bool shareTokens();
    bool connectSessions();
    void openSession(int index);
    void onSessionText(int index, const std::string &text);
    void onPresence(const QJsonObject &o, std::int64_t receivedUs, Session &watcher);
    void timeActivityChange(const QJsonObject &p, std::int64_t receivedUs, Session &watcher);
    void changeOnce(Session &s);
    void sendMessage(Session &s);
    void messageLoop(std::int64_t stepStartUs, double perS);
    void sendHeartbeat(Session &s);
    void noteHeartbeatSent(Session &s, std::int64_t atUs);
    void scheduleHeartbeat(int index, std::int64_t atMs);
    void runSteps();
    void changeStatusLoop();
    void flapLoop();
    void rateLoop(std::int64_t stepStartUs, double perS);
    void sendNextAtRate();
    void scheduleDrops();
    std::string userName(int user) const;
    std::vector<int> contactsOf(int user) const; // whom `user` is made a contact of
    int userOf(int index) const;
    const GatewayAddress &gatewayOf(int user) const;
    std::string sourceAddressOf(int index) const;
    QJsonObject report(const ShardSamples &all, double rssDeltaKib, double connectS, double registerS) const;
    QJsonObject stepReport(const StepSamples &samples, const StepStats &stats) const;

    LoadOptions m_options;
    EpollLoop m_loop;
    ShardSync m_sync;
    std::vector<std::string> m_tokens;
    std::vector<Session> m_sessions; // this shard's: global index shard + k * shards
    int m_welcomed = 0;
    int m_refused = 0;
    int m_ttlMs = 0;
    bool m_measuring = false;
    bool m_chainsStopped = false; // throughput: the rate loop sends every heartbeat
    size_t m_step = 0;
    size_t m_nextSender = 0;
    std::int64_t m_sentInStep = 0;
    size_t m_nextMessageSender = 0;
    std::int64_t m_messagesInStep = 0;
    std::unordered_map<int, ActivityChange> m_activityChanges;
    std::int64_t m_seq = 0;
    std::int64_t m_endMs = INT64_MAX; // schedules of the current step stop here
    ShardSamples m_samples;
    std::vector<StepStats> m_stepStats;
    double m_toolCpuS = 0;
    double m_windowS = 0;
};

} // namespace presently::bench
