#include "metrics/Metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <vector>

namespace presently {

namespace {
// Seconds, from 100 µs to 10 s: a Redis round trip on loopback takes ~100 µs, a commit window a
// few milliseconds, an outage seconds.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

prometheus::Family<prometheus::Counter> &counterFamily(prometheus::Registry &r, const char *name, const char *help)
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Histogram> &histogramFamily(prometheus::Registry &r, const char *name, const char *help)
{
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}
} // namespace

struct Metrics::Families {
    explicit Families(prometheus::Registry &r)
        : handshakes(counterFamily(r, "presently_websocket_handshakes_total",
                                   "Requests on the listen port by result: accepted (WebSocket), rejected, http "
                                   "(health checks)."))
        , refused(counterFamily(r, "presently_connections_refused_total",
                                "Connections refused or closed by a limit, by reason."))
        , rateLimited(counterFamily(r, "presently_rate_limited_total",
                                    "Requests answered rate_limited, and connections closed for flooding, by what."))
        , authFailures(counterFamily(r, "presently_auth_failures_total", "Sign-ins refused, by reason."))
        , redisSeconds(
              histogramFamily(r, "presently_redis_command_seconds", "Time from sending a Redis command to its reply.")
                  .Add({}, kSecondsBuckets))
        , redisErrors(counterFamily(r, "presently_redis_errors_total",
                                    "Redis commands answered with an error or lost with the connection.")
                          .Add({}))
        , sqlSeconds(histogramFamily(r, "presently_sql_job_seconds",
                                     "Time one database job took on its thread: a read, or a commit window of "
                                     "writes (job=read, commit_window)."))
        , sqlReads(sqlSeconds.Add({{"job", "read"}}, kSecondsBuckets))
        , sqlCommits(sqlSeconds.Add({{"job", "commit_window"}}, kSecondsBuckets))
        , sqlRetries(counterFamily(r, "presently_sql_retries_total",
                                   "SQL statements tried again (a busy database, a lost connection).")
                         .Add({}))
        , loopLag(histogramFamily(r, "presently_event_loop_lag_seconds",
                                  "How late a 100 ms timer on the gateway's event loop fired.")
                      .Add({}, kSecondsBuckets))
    {}

    prometheus::Family<prometheus::Counter> &handshakes;
    prometheus::Family<prometheus::Counter> &refused;
    prometheus::Family<prometheus::Counter> &rateLimited;
    prometheus::Family<prometheus::Counter> &authFailures;
    prometheus::Histogram &redisSeconds;
    prometheus::Counter &redisErrors;
    prometheus::Family<prometheus::Histogram> &sqlSeconds;
    prometheus::Histogram &sqlReads;
    prometheus::Histogram &sqlCommits;
    prometheus::Counter &sqlRetries;
    prometheus::Histogram &loopLag;

    struct LoopCounter {
        prometheus::Counter *counter;
        quint64 Metrics::LoopCounts::*field;
        quint64 exported = 0;
    };
    std::vector<LoopCounter> loopCounters;
    struct ReadGauge {
        prometheus::Gauge *gauge;
        std::function<double()> read;
    };
    std::vector<ReadGauge> gauges;
};

Metrics &Metrics::instance()
{
    static Metrics metrics;
    return metrics;
}

Metrics::Metrics()
    : m_registry(std::make_shared<prometheus::Registry>())
    , m_families(std::make_unique<Families>(*m_registry))
{
    const struct {
        const char *name;
        const char *help;
        quint64 LoopCounts::*field;
    } loopCounters[] = {
        {"presently_frames_received_total", "WebSocket frames received (control frames included).",
         &LoopCounts::framesIn},
        {"presently_frames_sent_total", "WebSocket frames sent.", &LoopCounts::framesOut},
        {"presently_received_bytes_total", "Bytes received on client connections (after TLS).", &LoopCounts::bytesIn},
        {"presently_sent_bytes_total", "Bytes of WebSocket frames sent to clients (before TLS).",
         &LoopCounts::bytesOut},
        {"presently_heartbeats_total", "Heartbeats received from live sessions.", &LoopCounts::heartbeats},
        {"presently_presence_writes_total",
         "Presence written to the presence store: sessions started and ended, activity and mode set.",
         &LoopCounts::presenceWrites},
        {"presently_presence_changes_total", "Presence changes of watched users heard from the presence store.",
         &LoopCounts::presenceChanges},
        {"presently_presence_delivered_total", "Presence pushes sent to sessions.", &LoopCounts::presenceDelivered},
        {"presently_messages_stored_total", "Messages committed and answered sent.", &LoopCounts::messagesStored},
        {"presently_messages_delivered_total", "Messages pushed live to sessions (not history or sync pages).",
         &LoopCounts::messagesDelivered},
    };
    for (const auto &c : loopCounters)
        m_families->loopCounters.push_back({&counterFamily(*m_registry, c.name, c.help).Add({}), c.field});
}

Metrics::~Metrics() = default;

void Metrics::setGauge(const QString &name, const QString &help, std::function<double()> read)
{
    auto &gauge =
        prometheus::BuildGauge().Name(name.toStdString()).Help(help.toStdString()).Register(*m_registry).Add({});
    m_families->gauges.push_back({&gauge, std::move(read)});
}

void Metrics::countHandshake(const char *result)
{
    m_families->handshakes.Add({{"result", result}}).Increment();
}

void Metrics::countRefused(const char *reason)
{
    m_families->refused.Add({{"reason", reason}}).Increment();
}

void Metrics::countRateLimited(const char *what)
{
    m_families->rateLimited.Add({{"what", what}}).Increment();
}

void Metrics::countAuthFailure(const char *reason)
{
    m_families->authFailures.Add({{"reason", reason}}).Increment();
}

void Metrics::observeRedisCommand(double seconds, bool failed)
{
    m_families->redisSeconds.Observe(seconds);
    if (failed)
        m_families->redisErrors.Increment();
}

void Metrics::observeSqlJob(SqlJob job, double seconds)
{
    (job == SqlJob::Read ? m_families->sqlReads : m_families->sqlCommits).Observe(seconds);
}

void Metrics::countSqlRetry()
{
    m_families->sqlRetries.Increment();
}

void Metrics::observeLoopLag(double seconds)
{
    m_families->loopLag.Observe(seconds);
}

QByteArray Metrics::exposition()
{
    for (Families::LoopCounter &c : m_families->loopCounters) {
        const quint64 now = m_loop.*c.field;
        c.counter->Increment(double(now - c.exported));
        c.exported = now;
    }
    for (const Families::ReadGauge &g : m_families->gauges)
        g.gauge->Set(g.read());
    const std::string text = prometheus::TextSerializer().Serialize(m_registry->Collect());
    return QByteArray(text.data(), qsizetype(text.size()));
}

} // namespace presently
