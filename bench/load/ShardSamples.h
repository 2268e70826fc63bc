#pragma once

#include <QJsonObject>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace presently::bench {

// What one load process measured, raw, so that the leader can merge the shards of a run and take
// percentiles over all of them. A run has one step, or one per offered rate (throughput, messages).
struct StepSamples {
    double offeredPerS = 0;   // summed over the shards
    std::int64_t offered = 0; // heartbeats or messages sent in the step
    std::int64_t heartbeatsAcked = 0;
    std::vector<double> ackRttMs;      // heartbeat -> heartbeat_ack
    std::vector<double> ackRttFreeMs;  // the same, of sessions with no request of theirs waiting
    std::vector<double> propagationMs; // set_status -> presence at a watcher
    std::vector<double> heartbeatPropagationMs; // changes: heartbeat with a new activity -> presence at a watcher
    std::vector<std::vector<double>> ackRttByGatewayMs; // ackRttMs, split by the session's gateway
    std::vector<double> sentMs;        // send -> sent
    std::vector<double> deliveryMs;    // send -> message at the recipient
};

struct ShardSamples {
    std::vector<StepSamples> steps;
    std::int64_t sessionsSignedIn = 0;
    std::int64_t sessionsRefused = 0; // closed or failed before welcome
    std::int64_t reconnects = 0;
    std::int64_t statusChanges = 0;
    std::int64_t sessionsClosed = 0; // closed by the gateway after their welcome
    std::map<std::string, std::int64_t> droppedLastFrameUs; // user -> its last frame
    // Every offline a watcher saw while measuring: of a dropped user it is expected, of anyone
    // else it is a false offline.
    std::vector<std::pair<std::string, std::int64_t>> offlineSeenUs;

    QJsonObject toJson() const;
    static ShardSamples fromJson(const QJsonObject &json);
    void merge(const ShardSamples &other);
};

double percentile(std::vector<double> values, double p);

} // namespace presently::bench
