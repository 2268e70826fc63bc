#pragma once

#include <QByteArray>
#include <QString>
#include <functional>
#include <memory>

namespace prometheus {
class Registry;
} // namespace prometheus

namespace presently {

// What the gateway counts, in the Prometheus text format at GET /metrics (docs/operations.md
// lists every series). One per process, like the default registry of Prometheus's own clients.
//
// The event loop's per-frame counts (LoopCounts) are plain integers: one thread writes them and
// the scrape, on the same thread, turns them into counters, so a heartbeat pays no atomic
// operation. Everything else is a prometheus-cpp metric, safe from any thread (the SQL threads'
// timings among them).
class Metrics {
public:
    // Bumped on the event loop's thread only.
    struct LoopCounts {
        quint64 framesIn = 0;
        quint64 framesOut = 0;
        quint64 bytesIn = 0;
        quint64 bytesOut = 0;
        quint64 heartbeats = 0;
        quint64 presenceWrites = 0;    // sessions started and ended, activity and mode set
        quint64 presenceChanges = 0;   // changes of watched users heard from the presence store
        quint64 presenceDelivered = 0; // presence pushes sent to sessions
        quint64 messagesStored = 0;    // committed and answered `sent`
        quint64 messagesDelivered = 0; // pushed live to sessions
    };

    static Metrics &instance();
    static LoopCounts &loop() { return instance().m_loop; }

    // A value read at each scrape (connections held, sessions, readiness).
    void setGauge(const QString &name, const QString &help, std::function<double()> read);

    // Each safe from any thread; labels are fixed strings.
    void countHandshake(const char *result); // accepted, rejected, http
    void countRefused(const char *reason);   // a connection refused or closed by a limit
    void countRateLimited(const char *what); // a request answered rate_limited, a flood closed
    void countAuthFailure(const char *reason);
    void observeRedisCommand(double seconds, bool failed);
    enum class SqlJob { Read, CommitWindow };
    void observeSqlJob(SqlJob job, double seconds);
    void countSqlRetry();
    void observeLoopLag(double seconds);

    // The text exposition (format 0.0.4), gauges read and loop counts carried over first. Call
    // on the event loop's thread.
    QByteArray exposition();

    Metrics(const Metrics &) = delete;
    Metrics &operator=(const Metrics &) = delete;

private:
    Metrics();
    ~Metrics();

    struct Families;
    std::shared_ptr<prometheus::Registry> m_registry;
    std::unique_ptr<Families> m_families;
    LoopCounts m_loop;
};

} // namespace presently
