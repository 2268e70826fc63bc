#pragma once

#include "EpollLoop.h"

#include <optional>
#include <string>

namespace presently::bench {

// Several load processes (shards) of one run meet at named points through files in a shared
// folder, because one process may hold at most 20,000 sockets here. Shard 0 leads: it registers
// the users, measures the gateways and merges everyone's samples. With one shard every meeting
// point is passed at once.
class ShardSync {
public:
    ShardSync(EpollLoop &loop, std::string dir, int index, int count);

    int index() const { return m_index; }
    int count() const { return m_count; }
    bool isLeader() const { return m_index == 0; }

    // Marks this shard as arrived at `point`, then runs the loop (so sessions stay served) until
    // every shard has arrived, or the timeout passes (false).
    bool arrive(const std::string &point, int timeoutMs);
    // Files in the shared folder, written whole (a reader never sees half of one).
    bool write(const std::string &name, const std::string &content) const;
    std::optional<std::string> read(const std::string &name) const;

private:
    std::string path(const std::string &name) const;

    EpollLoop &m_loop;
    std::string m_dir;
    int m_index;
    int m_count;
};

} // namespace presently::bench
