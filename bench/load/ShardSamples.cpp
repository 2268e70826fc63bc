#include "ShardSamples.h"

#include <QJsonArray>
#include <algorithm>

namespace presently::bench {

namespace {
QJsonArray toArray(const std::vector<double> &values)
{
    QJsonArray array;
    for (double v : values)
        array.append(v);
    return array;
}

std::vector<double> fromArray(const QJsonValue &value)
{
    std::vector<double> values;
    for (const QJsonValue &v : value.toArray())
        values.push_back(v.toDouble());
    return values;
}

void append(std::vector<double> &to, const std::vector<double> &from)
{
    to.insert(to.end(), from.begin(), from.end());
}

QJsonArray toArrays(const std::vector<std::vector<double>> &lists)
{
    QJsonArray array;
    for (const std::vector<double> &values : lists)
        array.append(toArray(values));
    return array;
}

std::vector<std::vector<double>> fromArrays(const QJsonValue &value)
{
    std::vector<std::vector<double>> lists;
    for (const QJsonValue &v : value.toArray())
        lists.push_back(fromArray(v));
    return lists;
}

std::int64_t integer(const QJsonObject &o, const char *key)
{
    return static_cast<std::int64_t>(o.value(QLatin1String(key)).toDouble());
}
} // namespace

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return -1;
    std::sort(values.begin(), values.end());
    const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
    return values[i];
}

QJsonObject ShardSamples::toJson() const
{
    QJsonArray stepArray;
    for (const StepSamples &s : steps) {
        stepArray.append(QJsonObject{{"offered_per_s", s.offeredPerS},
                                     {"offered", static_cast<double>(s.offered)},
                                     {"heartbeats_acked", static_cast<double>(s.heartbeatsAcked)},
                                     {"ack_rtt_ms", toArray(s.ackRttMs)},
                                     {"ack_rtt_free_ms", toArray(s.ackRttFreeMs)},
                                     {"propagation_ms", toArray(s.propagationMs)},
                                     {"heartbeat_propagation_ms", toArray(s.heartbeatPropagationMs)},
                                     {"ack_rtt_by_gateway_ms", toArrays(s.ackRttByGatewayMs)},
                                     {"sent_ms", toArray(s.sentMs)},
                                     {"delivery_ms", toArray(s.deliveryMs)}});
    }
    QJsonObject dropped;
    for (const auto &[user, us] : droppedLastFrameUs)
        dropped.insert(QString::fromStdString(user), static_cast<double>(us));
    QJsonArray seen;
    for (const auto &[user, us] : offlineSeenUs)
        seen.append(QJsonArray{QString::fromStdString(user), static_cast<double>(us)});
    return {{"steps", stepArray},
            {"sessions_signed_in", static_cast<double>(sessionsSignedIn)},
            {"sessions_refused", static_cast<double>(sessionsRefused)},
            {"reconnects", static_cast<double>(reconnects)},
            {"status_changes", static_cast<double>(statusChanges)},
            {"sessions_closed", static_cast<double>(sessionsClosed)},
            {"dropped_last_frame_us", dropped},
            {"offline_seen_us", seen}};
}

ShardSamples ShardSamples::fromJson(const QJsonObject &json)
{
    ShardSamples samples;
    for (const QJsonValue &v : json.value("steps").toArray()) {
        const QJsonObject o = v.toObject();
        StepSamples s;
        s.offeredPerS = o.value("offered_per_s").toDouble();
        s.offered = integer(o, "offered");
        s.heartbeatsAcked = integer(o, "heartbeats_acked");
        s.ackRttMs = fromArray(o.value("ack_rtt_ms"));
        s.ackRttFreeMs = fromArray(o.value("ack_rtt_free_ms"));
        s.propagationMs = fromArray(o.value("propagation_ms"));
        s.heartbeatPropagationMs = fromArray(o.value("heartbeat_propagation_ms"));
        s.ackRttByGatewayMs = fromArrays(o.value("ack_rtt_by_gateway_ms"));
        s.sentMs = fromArray(o.value("sent_ms"));
        s.deliveryMs = fromArray(o.value("delivery_ms"));
        samples.steps.push_back(std::move(s));
    }
    samples.sessionsSignedIn = integer(json, "sessions_signed_in");
    samples.sessionsRefused = integer(json, "sessions_refused");
    samples.reconnects = integer(json, "reconnects");
    samples.statusChanges = integer(json, "status_changes");
    samples.sessionsClosed = integer(json, "sessions_closed");
    const QJsonObject dropped = json.value("dropped_last_frame_us").toObject();
    for (auto it = dropped.begin(); it != dropped.end(); ++it)
        samples.droppedLastFrameUs[it.key().toStdString()] = static_cast<std::int64_t>(it.value().toDouble());
    for (const QJsonValue &v : json.value("offline_seen_us").toArray()) {
        const QJsonArray pair = v.toArray();
        samples.offlineSeenUs.emplace_back(pair.at(0).toString().toStdString(),
                                           static_cast<std::int64_t>(pair.at(1).toDouble()));
    }
    return samples;
}

void ShardSamples::merge(const ShardSamples &other)
{
    if (steps.size() < other.steps.size())
        steps.resize(other.steps.size());
    for (size_t i = 0; i < other.steps.size(); ++i) {
        StepSamples &to = steps[i];
        const StepSamples &from = other.steps[i];
        to.offeredPerS += from.offeredPerS;
        to.offered += from.offered;
        to.heartbeatsAcked += from.heartbeatsAcked;
        append(to.ackRttMs, from.ackRttMs);
        append(to.ackRttFreeMs, from.ackRttFreeMs);
        append(to.propagationMs, from.propagationMs);
        append(to.heartbeatPropagationMs, from.heartbeatPropagationMs);
        if (to.ackRttByGatewayMs.size() < from.ackRttByGatewayMs.size())
            to.ackRttByGatewayMs.resize(from.ackRttByGatewayMs.size());
        for (size_t g = 0; g < from.ackRttByGatewayMs.size(); ++g)
            append(to.ackRttByGatewayMs[g], from.ackRttByGatewayMs[g]);
        append(to.sentMs, from.sentMs);
        append(to.deliveryMs, from.deliveryMs);
    }
    sessionsSignedIn += other.sessionsSignedIn;
    sessionsRefused += other.sessionsRefused;
    reconnects += other.reconnects;
    statusChanges += other.statusChanges;
    sessionsClosed += other.sessionsClosed;
    droppedLastFrameUs.insert(other.droppedLastFrameUs.begin(), other.droppedLastFrameUs.end());
    offlineSeenUs.insert(offlineSeenUs.end(), other.offlineSeenUs.begin(), other.offlineSeenUs.end());
}

} // namespace presently::bench
