#include "SystemStats.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace presently::bench {

RedisCounters SystemStats::redisCounters(int port)
{
    RedisCounters counters;
    if (port <= 0)
        return counters;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return counters;
    }
    const std::string command = "INFO commandstats\r\n";
    if (::send(fd, command.data(), command.size(), 0) < 0) {
        ::close(fd);
        return counters;
    }
    std::string reply;
    char buffer[8192];
    // A bulk reply: "$<len>\r\n<body>\r\n".
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        reply.append(buffer, static_cast<size_t>(n));
        const size_t header = reply.find("\r\n");
        if (header != std::string::npos && reply[0] == '$' &&
            reply.size() >= header + 2 + std::stoul(reply.substr(1, header - 1)))
            break;
    }
    ::close(fd);
    std::istringstream lines(reply);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("cmdstat_", 0) != 0)
            continue;
        const size_t calls = line.find("calls=");
        const size_t usec = line.find("usec=");
        if (calls != std::string::npos)
            counters.calls += std::stoll(line.substr(calls + 6));
        if (usec != std::string::npos)
            counters.usec += std::stoll(line.substr(usec + 5));
    }
    return counters;
}

CpuSeconds SystemStats::processCpuSeconds(const std::vector<int> &pids)
{
    CpuSeconds total;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    for (int pid : pids) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const size_t close = content.rfind(')'); // the command name may hold spaces
        if (close == std::string::npos)
            continue;
        std::istringstream fields(content.substr(close + 2));
        std::string field;
        // After ')': state is field 3; utime and stime are fields 14 and 15.
        long long utime = 0;
        long long stime = 0;
        for (int i = 3; i <= 15 && fields >> field; ++i) {
            if (i == 14)
                utime = std::stoll(field);
            if (i == 15)
                stime = std::stoll(field);
        }
        total.user += static_cast<double>(utime) / ticks;
        total.system += static_cast<double>(stime) / ticks;
    }
    return total;
}

std::int64_t SystemStats::processRssKib(const std::vector<int> &pids)
{
    std::int64_t total = 0;
    for (int pid : pids) {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("VmRSS:", 0) == 0)
                total += std::stoll(line.substr(6));
        }
    }
    return total;
}

double SystemStats::ownCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::int64_t SystemStats::fsyncCount(const std::string &dir)
{
    if (dir.empty())
        return 0;
    std::int64_t total = 0;
    for (const QFileInfo &file : QDir(QString::fromStdString(dir)).entryInfoList(QDir::Files)) {
        QFile f(file.filePath());
        if (f.open(QIODevice::ReadOnly))
            total += f.readAll().trimmed().toLongLong();
    }
    return total;
}

} // namespace presently::bench
