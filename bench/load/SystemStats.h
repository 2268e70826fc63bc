#pragma once

#include <cstdint>
#include <vector>

namespace presently::bench {

struct RedisCounters {
    std::int64_t calls = 0; // sum over INFO commandstats (script-internal commands included)
    std::int64_t usec = 0;
};

// What the load tool reads off the machine: Redis' command counters, process CPU time.
class SystemStats {
public:
    static RedisCounters redisCounters(int port);
    static double processCpuSeconds(const std::vector<int> &pids);
    static double ownCpuSeconds();
    // Resident set size in KiB, summed over the processes.
    static std::int64_t processRssKib(const std::vector<int> &pids);
};

} // namespace presently::bench
