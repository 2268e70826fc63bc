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
    std::string scenario = "steady"; // steady | propagation | flapping
    int users = 100;
    int sessionsPerUser = 1;
    int contacts = 4;            // ring neighbours per user (k/2 on each side)
    int heartbeatMs = 10000;
    double idleShare = 0.2;
    int durationS = 20;
    int statusEveryMs = 200;     // propagation: one visible status change this often
    int flapEveryMs = 100;       // flapping: one session dropped and reconnected this often
    int sourceAddresses = 8;     // 127.0.0.1 .. 127.0.0.N
    int redisPort = 0;           // for INFO commandstats
    std::vector<int> gatewayPids; // for gateway CPU
    std::string prefix = "load";
    std::string password = "load-password-1";
    std::string output;          // JSON results
};

} // namespace presently::bench
