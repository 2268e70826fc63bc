#include "ShardSync.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace presently::bench {

ShardSync::ShardSync(EpollLoop &loop, std::string dir, int index, int count)
    : m_loop(loop)
    , m_dir(std::move(dir))
    , m_index(index)
    , m_count(count)
{}

std::string ShardSync::path(const std::string &name) const
{
    return m_dir + "/" + name;
}

bool ShardSync::write(const std::string &name, const std::string &content) const
{
    const std::string temporary = path(name) + ".part";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out)
            return false;
    }
    return std::rename(temporary.c_str(), path(name).c_str()) == 0;
}

std::optional<std::string> ShardSync::read(const std::string &name) const
{
    std::ifstream in(path(name), std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

bool ShardSync::arrive(const std::string &point, int timeoutMs)
{
    if (m_count <= 1)
        return true;
    if (!write(point + "." + std::to_string(m_index), "1"))
        return false;
    std::int64_t nextCheckMs = 0;
    bool all = false;
    m_loop.runUntil(EpollLoop::nowMs() + timeoutMs, [&] {
        const std::int64_t now = EpollLoop::nowMs();
        if (now < nextCheckMs)
            return false;
        nextCheckMs = now + 10;
        all = true;
        for (int i = 0; i < m_count && all; ++i) {
            struct stat st {};
            all = ::stat(path(point + "." + std::to_string(i)).c_str(), &st) == 0;
        }
        return all;
    });
    return all;
}

} // namespace presently::bench
