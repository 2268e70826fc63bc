#pragma once

#include <string>
#include <vector>

namespace presently::bench {

struct GatewayAddress {
    std::string host;
    int port = 0;
};

struct LoadOptions {
    std::vector<GatewayAddress> gateways;
    // steady | propagation | flapping | throughput | drops | messages | capacity | changes
    std::string scenario = "steady";
    int users = 100;
    int sessionsPerUser = 1;
    int contacts = 4; // ring neighbours per user (k/2 on each side)
    int heartbeatMs = 10000;
    double idleShare = 0.2;
    int durationS = 20;
    int statusEveryMs = 200;              // propagation: one visible status change this often
    int flapEveryMs = 100;                // flapping: one session dropped and reconnected this often
    double dropShare = 0.1;               // drops: share of sessions that vanish without a close
    std::vector<double> rateSteps;        // throughput: heartbeats/s; messages: messages/s; changes: changes/s
    std::vector<double> messageRateSteps; // changes: messages/s sent meanwhile, per step (0: none)
    std::string fsyncCountDir;            // changes: where the slow-fsync shim counts the gateways' fsyncs
    std::string fsyncDelayFile;           // changes: the shim's delay, written when the steps begin
    int fsyncDelayMs = 0;
    int stepS = 10;               // length of each rate step
    double maxP99Ms = 10;         // throughput: the p99 a sustained rate must stay under
    int sourceAddresses = 8;      // per shard: 127.0.0.x, x from 1 + shard * N
    int redisPort = 0;            // for INFO commandstats
    std::vector<int> gatewayPids; // for gateway CPU and RSS
    std::string prefix = "load";
    std::string password = "load-password-1";
    std::string tokensFile; // reuse registered users across runs (written when absent)
    int shardIndex = 0;     // this process among --shards processes of one run
    int shardCount = 1;
    std::string syncDir; // shared by the shards of one run
    std::string output;  // JSON results (written by shard 0)
    bool tls = false;    // wss:// (round trips then include this process's own delays)
};

} // namespace presently::bench
