#include "LoadRunner.h"

#include "SystemStats.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cstdio>
#include <random>

namespace presently::bench {

namespace {
std::string frame(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return -1;
    std::sort(values.begin(), values.end());
    const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
    return values[i];
}

std::mt19937 &rng()
{
    static std::mt19937 generator(12345);
    return generator;
}
} // namespace

LoadRunner::LoadRunner(const LoadOptions &options)
    : m_options(options)
{
}

std::string LoadRunner::userName(int user) const
{
    return m_options.prefix + "-" + std::to_string(user);
}

const GatewayAddress &LoadRunner::gatewayOf(int user) const
{
    return m_options.gateways[static_cast<size_t>(user) % m_options.gateways.size()];
}

std::string LoadRunner::sourceAddressOf(int index) const
{
    return "127.0.0." + std::to_string(1 + index % std::max(1, m_options.sourceAddresses));
}

bool LoadRunner::registerUsers()
{
    // Register everyone (Argon2id on the server: a few at a time), then add ring neighbours from
    // both sides, which makes them contacts without accepts.
    const int n = m_options.users;
    m_tokens.assign(static_cast<size_t>(n), std::string());
    std::vector<std::unique_ptr<WsConnection>> connections(static_cast<size_t>(n));
    int registered = 0;
    int failed = 0;
    int next = 0;
    std::function<void()> startNext = [&] {
        if (next >= n)
            return;
        const int user = next++;
        auto &c = connections[static_cast<size_t>(user)];
        c = std::make_unique<WsConnection>(m_loop);
        c->onOpen = [&, user] {
            connections[static_cast<size_t>(user)]->sendText(
                frame({{"type", "register"}, {"v", 1}, {"user", QString::fromStdString(userName(user))},
                       {"password", QString::fromStdString(m_options.password)}, {"device", "load"}}));
        };
        c->onText = [&, user](const std::string &text) {
            const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
            const QString type = o.value("type").toString();
            if (type == "welcome") {
                m_tokens[static_cast<size_t>(user)] = o.value("token").toString().toStdString();
                ++registered;
                startNext();
            } else if (type == "error" && m_tokens[static_cast<size_t>(user)].empty()) {
                ++failed;
                std::fprintf(stderr, "register %s: %s\n", userName(user).c_str(), o.value("message").toString().toUtf8().constData());
                startNext();
            }
        };
        c->open(gatewayOf(user).host, gatewayOf(user).port, sourceAddressOf(user));
    };
    // Registering many users takes longer than the presence TTL: keep the early ones alive.
    bool registering = true;
    std::function<void()> keepAlive = [&] {
        if (!registering)
            return;
        for (auto &c : connections) {
            if (c && c->isOpen())
                c->sendText(frame({{"type", "heartbeat"}}));
        }
        m_loop.at(EpollLoop::nowMs() + 2000, keepAlive);
    };
    m_loop.at(EpollLoop::nowMs() + 2000, keepAlive);
    for (int i = 0; i < std::min(n, 8); ++i)
        startNext();
    m_loop.runUntil(EpollLoop::nowMs() + 600000, [&] { return registered + failed >= n; });
    if (registered < n)
        return false;

    int acked = 0;
    int expected = 0;
    const int half = std::max(1, m_options.contacts / 2);
    for (int user = 0; user < n; ++user) {
        auto &c = connections[static_cast<size_t>(user)];
        c->onText = [&](const std::string &text) {
            const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
            if (o.value("type").toString() == "ok" || o.value("type").toString() == "error")
                ++acked;
        };
        for (int d = 1; d <= half && d < n; ++d) {
            for (int other : {(user + d) % n, (user - d + n) % n}) {
                if (other == user)
                    continue;
                c->sendText(frame({{"type", "contact_add"}, {"id", ++expected}, {"user", QString::fromStdString(userName(other))}}));
            }
        }
    }
    m_loop.runUntil(EpollLoop::nowMs() + 120000, [&] { return acked >= expected; });
    for (auto &c : connections)
        c->sendText(frame({{"type", "bye"}}));
    // The keep-alive task captures this function's locals: let its last run see the end.
    registering = false;
    m_loop.runUntil(EpollLoop::nowMs() + 2100);
    return acked >= expected;
}

void LoadRunner::openSession(int index)
{
    Session &s = m_sessions[static_cast<size_t>(index)];
    s.welcomed = false;
    s.heartbeatsSentUs.clear();
    s.connection = std::make_unique<WsConnection>(m_loop);
    s.connection->onOpen = [this, index] {
        const Session &session = m_sessions[static_cast<size_t>(index)];
        session.connection->sendText(frame({{"type", "hello"}, {"v", 1},
                                            {"token", QString::fromStdString(m_tokens[static_cast<size_t>(session.user)])},
                                            {"device", "load"}}));
    };
    s.connection->onText = [this, index](const std::string &text) { onSessionText(index, text); };
    const GatewayAddress &gw = gatewayOf(s.user);
    s.connection->open(gw.host, gw.port, sourceAddressOf(index));
}

void LoadRunner::onSessionText(int index, const std::string &text)
{
    Session &s = m_sessions[static_cast<size_t>(index)];
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
    const QString type = o.value("type").toString();
    if (type == "welcome") {
        s.welcomed = true;
        ++m_welcomed;
        if (s.idle)
            s.connection->sendText(frame({{"type", "heartbeat"}, {"status", "idle"}}));
        if (!s.heartbeating) {
            // From sign-in on, as a client does: a session that waits for the others to connect
            // must not run out its TTL meanwhile.
            s.heartbeating = true;
            std::uniform_int_distribution<int> phase(0, m_options.heartbeatMs - 1);
            scheduleHeartbeat(index, EpollLoop::nowMs() + phase(rng()));
        }
    } else if (type == "heartbeat_ack") {
        if (!s.heartbeatsSentUs.empty()) {
            if (m_measuring) {
                m_ackRttMs.push_back(static_cast<double>(EpollLoop::nowUs() - s.heartbeatsSentUs.front()) / 1000.0);
                ++m_heartbeatsAcked;
            }
            s.heartbeatsSentUs.pop_front();
        }
    } else if (type == "presence") {
        const std::int64_t now = EpollLoop::nowUs();
        for (const QJsonValue &v : o.value("users").toArray()) {
            const QJsonObject p = v.toObject();
            if (m_measuring && p.value("status").toString() == "offline")
                ++m_falseOffline; // nobody here ever goes offline on purpose
            const auto it = m_statusSentUs.find(p.value("text").toString().toStdString());
            if (m_measuring && it != m_statusSentUs.end())
                m_propagationMs.push_back(static_cast<double>(now - it->second) / 1000.0);
        }
    }
}

void LoadRunner::scheduleHeartbeat(int index, std::int64_t atMs)
{
    m_loop.at(atMs, [this, index, atMs] {
        Session &s = m_sessions[static_cast<size_t>(index)];
        if (s.welcomed && s.connection->isOpen()) {
            s.heartbeatsSentUs.push_back(EpollLoop::nowUs());
            s.connection->sendText(s.idle ? frame({{"type", "heartbeat"}, {"status", "idle"}}) : frame({{"type", "heartbeat"}}));
        }
        if (atMs + m_options.heartbeatMs < m_endMs)
            scheduleHeartbeat(index, atMs + m_options.heartbeatMs);
    });
}

bool LoadRunner::connectSessions()
{
    const int total = m_options.users * m_options.sessionsPerUser;
    m_sessions.resize(static_cast<size_t>(total));
    std::uniform_real_distribution<double> coin(0, 1);
    for (int i = 0; i < total; ++i) {
        m_sessions[static_cast<size_t>(i)].user = i % m_options.users;
        m_sessions[static_cast<size_t>(i)].idle = coin(rng()) < m_options.idleShare;
    }
    // Open in waves so the listen backlog is not overrun.
    int opened = 0;
    while (opened < total) {
        const int wave = std::min(total, opened + 500);
        for (; opened < wave; ++opened)
            openSession(opened);
        m_loop.runUntil(EpollLoop::nowMs() + 60000, [&] { return m_welcomed >= opened; });
    }
    return m_welcomed >= total;
}

void LoadRunner::changeStatusLoop()
{
    m_loop.at(EpollLoop::nowMs() + m_options.statusEveryMs, [this] {
        if (EpollLoop::nowMs() >= m_endMs)
            return;
        std::uniform_int_distribution<int> pick(0, static_cast<int>(m_sessions.size()) - 1);
        Session &s = m_sessions[static_cast<size_t>(pick(rng()))];
        if (s.welcomed && s.connection->isOpen()) {
            const std::string text = "p" + std::to_string(++m_statusSeq);
            m_statusSentUs[text] = EpollLoop::nowUs();
            s.connection->sendText(frame({{"type", "set_status"}, {"text", QString::fromStdString(text)}}));
        }
        changeStatusLoop();
    });
}

void LoadRunner::flapLoop()
{
    m_loop.at(EpollLoop::nowMs() + m_options.flapEveryMs, [this] {
        if (EpollLoop::nowMs() >= m_endMs)
            return;
        std::uniform_int_distribution<int> pick(0, static_cast<int>(m_sessions.size()) - 1);
        const int index = pick(rng());
        Session &s = m_sessions[static_cast<size_t>(index)];
        if (s.welcomed) {
            s.connection->drop(); // vanishes without a close, comes right back (within the TTL)
            --m_welcomed;
            ++m_reconnects;
            openSession(index);
        }
        flapLoop();
    });
}

QJsonObject LoadRunner::run()
{
    QJsonObject result{{"scenario", QString::fromStdString(m_options.scenario)},
                       {"users", m_options.users},
                       {"sessions", m_options.users * m_options.sessionsPerUser},
                       {"gateways", static_cast<int>(m_options.gateways.size())},
                       {"heartbeat_ms", m_options.heartbeatMs}};
    const std::int64_t startMs = EpollLoop::nowMs();
    if (!registerUsers()) {
        result.insert("error", "registration failed");
        return result;
    }
    result.insert("register_s", static_cast<double>(EpollLoop::nowMs() - startMs) / 1000.0);
    const std::int64_t rssBefore = SystemStats::processRssKib(m_options.gatewayPids);
    const std::int64_t connectStart = EpollLoop::nowMs();
    if (!connectSessions()) {
        result.insert("error", "sessions did not all sign in");
        return result;
    }
    result.insert("connect_and_sign_in_s", static_cast<double>(EpollLoop::nowMs() - connectStart) / 1000.0);
    if (!m_options.gatewayPids.empty()) {
        const std::int64_t rssAfter = SystemStats::processRssKib(m_options.gatewayPids);
        result.insert("gateway_rss_mib", static_cast<double>(rssAfter) / 1024.0);
        result.insert("gateway_rss_kib_per_session",
                      static_cast<double>(rssAfter - rssBefore) / static_cast<double>(m_sessions.size()));
    }

    // Let everyone's roster and first heartbeats settle, then measure.
    m_loop.runUntil(EpollLoop::nowMs() + 1000);
    const RedisCounters redisBefore = SystemStats::redisCounters(m_options.redisPort);
    const double gatewayCpuBefore = SystemStats::processCpuSeconds(m_options.gatewayPids);
    const double toolCpuBefore = SystemStats::ownCpuSeconds();
    const std::int64_t measureStart = EpollLoop::nowMs();
    m_endMs = measureStart + static_cast<std::int64_t>(m_options.durationS) * 1000;
    m_measuring = true;
    if (m_options.scenario == "propagation")
        changeStatusLoop();
    if (m_options.scenario == "flapping")
        flapLoop();
    m_loop.runUntil(m_endMs);
    m_loop.runUntil(EpollLoop::nowMs() + 500); // late answers
    m_measuring = false;
    const double windowS = static_cast<double>(EpollLoop::nowMs() - measureStart) / 1000.0;
    const RedisCounters redisAfter = SystemStats::redisCounters(m_options.redisPort);
    const double gatewayCpu = SystemStats::processCpuSeconds(m_options.gatewayPids) - gatewayCpuBefore;

    result.insert("window_s", windowS);
    result.insert("heartbeats_acked", static_cast<double>(m_heartbeatsAcked));
    result.insert("heartbeat_ack_p50_ms", percentile(m_ackRttMs, 0.50));
    result.insert("heartbeat_ack_p99_ms", percentile(m_ackRttMs, 0.99));
    result.insert("heartbeat_ack_max_ms", percentile(m_ackRttMs, 1.0));
    if (!m_options.gatewayPids.empty()) {
        result.insert("gateway_cpu_percent_of_core", 100.0 * gatewayCpu / windowS);
        result.insert("gateway_cpu_percent_per_1000_sessions",
                      100.0 * gatewayCpu / windowS * 1000.0 / static_cast<double>(m_sessions.size()));
    }
    result.insert("tool_cpu_percent_of_core", 100.0 * (SystemStats::ownCpuSeconds() - toolCpuBefore) / windowS);
    if (m_options.redisPort > 0 && m_heartbeatsAcked > 0) {
        const double commands = static_cast<double>(redisAfter.calls - redisBefore.calls - 1);
        result.insert("redis_commands", commands);
        result.insert("redis_commands_per_heartbeat", commands / static_cast<double>(m_heartbeatsAcked));
        result.insert("redis_usec_per_heartbeat",
                      static_cast<double>(redisAfter.usec - redisBefore.usec) / static_cast<double>(m_heartbeatsAcked));
    }
    if (m_options.scenario == "propagation") {
        result.insert("status_changes", m_statusSeq);
        result.insert("deliveries", static_cast<double>(m_propagationMs.size()));
        result.insert("propagation_p50_ms", percentile(m_propagationMs, 0.50));
        result.insert("propagation_p99_ms", percentile(m_propagationMs, 0.99));
        result.insert("propagation_max_ms", percentile(m_propagationMs, 1.0));
    }
    if (m_options.scenario == "flapping")
        result.insert("reconnects", m_reconnects);
    result.insert("false_offline_events", m_falseOffline);

    if (!m_options.output.empty()) {
        QFile out(QString::fromStdString(m_options.output));
        if (out.open(QIODevice::WriteOnly))
            out.write(QJsonDocument(result).toJson());
    }
    return result;
}

} // namespace presently::bench
