#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace presently::bench {

struct RedisCounters {
    std::int64_t calls = 0; // sum over INFO commandstats (script-internal commands included)
    std::int64_t usec = 0;
};

// CPU time in seconds, split as the kernel accounts it.
struct CpuSeconds {
    double user = 0;
    double system = 0;
    double total() const { return user + system; }
    CpuSeconds operator-(const CpuSeconds &o) const { return {user - o.user, system - o.system}; }
};

// What the load tool reads off the machine: Redis' command counters, process CPU time.
class SystemStats {
public:
    static RedisCounters redisCounters(int port);
    static CpuSeconds processCpuSeconds(const std::vector<int> &pids);
    static double ownCpuSeconds();
    // Resident set size in KiB, summed over the processes.
    static std::int64_t processRssKib(const std::vector<int> &pids);
    // The fsyncs counted so far by the slow-fsync shim (bench/tools/slow_fsync.cpp) in `dir`,
    // summed over its processes; 0 without a dir.
    static std::int64_t fsyncCount(const std::string &dir);
};

} // namespace presently::bench
