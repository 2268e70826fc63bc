#include "LoadRunner.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

namespace presently::bench {

namespace {
const std::string kHeartbeat = R"({"type":"heartbeat"})";
const std::string kIdleHeartbeat = R"({"type":"heartbeat","status":"idle"})";
const std::string kActiveHeartbeat = R"({"type":"heartbeat","status":"active"})";
// Acks are most of what a session reads: recognised without a JSON parse. Inside a JSON string
// a quote is escaped, so this cannot match part of a message body.
const std::string kAckMarker = R"("type":"heartbeat_ack")";

std::string frame(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

std::mt19937 &rng()
{
    static std::mt19937 generator(12345);
    return generator;
}

// "<letter><microseconds>" (and "<letter><shard>-<seq>-<microseconds>"): a send time carried in
// a status text, body or cid, so that any shard can time what it receives (the wall clock, which
// the processes share and the kernel stamps arrivals with).
std::int64_t sendTimeIn(const QString &text, QChar letter)
{
    if (!text.startsWith(letter))
        return -1;
    bool ok = false;
    const std::int64_t us = text.mid(text.lastIndexOf(QLatin1Char('-')) + 1).remove(letter).toLongLong(&ok);
    return ok ? us : -1;
}

double ms(std::int64_t us)
{
    return static_cast<double>(us) / 1000.0;
}
} // namespace

LoadRunner::LoadRunner(const LoadOptions &options)
    : m_options(options)
    , m_sync(m_loop, options.syncDir, options.shardIndex, options.shardCount)
{}

std::string LoadRunner::userName(int user) const
{
    return m_options.prefix + "-" + std::to_string(user);
}

int LoadRunner::userOf(int index) const
{
    return (m_options.shardIndex + index * m_options.shardCount) % m_options.users;
}

const GatewayAddress &LoadRunner::gatewayOf(int user) const
{
    return m_options.gateways[static_cast<size_t>(user) % m_options.gateways.size()];
}

std::string LoadRunner::sourceAddressOf(int index) const
{
    const int n = std::max(1, m_options.sourceAddresses);
    return "127.0.0." + std::to_string(1 + (m_options.shardIndex * n + index % n) % 254);
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
    std::function<void()> startNext;
    // Registering many users takes longer than the presence TTL: heartbeat the early ones at the
    // interval the gateway announces, as a client does.
    int keepAliveMs = m_options.heartbeatMs;
    // Each registration ends once: with a token, or with the reason it failed.
    const auto fail = [&](int user, const std::string &reason) {
        if (!m_tokens[static_cast<size_t>(user)].empty())
            return;
        m_tokens[static_cast<size_t>(user)] = "-";
        ++failed;
        std::fprintf(stderr, "register %s: %s\n", userName(user).c_str(), reason.c_str());
        startNext();
    };
    startNext = [&] {
        if (next >= n)
            return;
        const int user = next++;
        auto &c = connections[static_cast<size_t>(user)];
        c = std::make_unique<WsConnection>(m_loop);
        c->onOpen = [&, user] {
            connections[static_cast<size_t>(user)]->sendText(
                frame({{"type", "register"},
                       {"v", 1},
                       {"user", QString::fromStdString(userName(user))},
                       {"password", QString::fromStdString(m_options.password)},
                       {"device", "load"}}));
        };
        c->onText = [&, user](const std::string &text) {
            const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
            const QString type = o.value("type").toString();
            if (type == "welcome" && m_tokens[static_cast<size_t>(user)].empty()) {
                m_tokens[static_cast<size_t>(user)] = o.value("token").toString().toStdString();
                keepAliveMs = o.value("heartbeat_interval").toInt(keepAliveMs);
                ++registered;
                startNext();
            } else if (type == "error") {
                fail(user,
                     o.value("code").toString().toStdString() + ": " + o.value("message").toString().toStdString());
            }
        };
        c->onClosed = [&, user] { fail(user, "closed before welcome"); };
        if (!c->open(gatewayOf(user).host, gatewayOf(user).port, sourceAddressOf(user)))
            fail(user, "could not connect");
    };
    // The keep-alive task outlives this function: it checks a flag it shares before anything else.
    const auto registering = std::make_shared<bool>(true);
    std::function<void()> keepAlive = [&, registering] {
        if (!*registering)
            return;
        for (auto &c : connections) {
            if (c && c->isOpen())
                c->sendText(kHeartbeat);
        }
        m_loop.at(EpollLoop::nowMs() + keepAliveMs, keepAlive);
    };
    m_loop.at(EpollLoop::nowMs() + keepAliveMs, keepAlive);
    for (int i = 0; i < std::min(n, 8); ++i)
        startNext();
    m_loop.runUntil(EpollLoop::nowMs() + 900000, [&] { return registered + failed >= n; });
    if (registered < n) {
        std::fprintf(stderr, "registered %d of %d users\n", registered, n);
        return false;
    }

    int acked = 0;
    int refused = 0;
    int expected = 0;
    for (int user = 0; user < n; ++user) {
        auto &c = connections[static_cast<size_t>(user)];
        c->onText = [&](const std::string &text) {
            const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
            const QString type = o.value("type").toString();
            if (type == "ok" || type == "error")
                ++acked;
            if (type == "error")
                ++refused;
        };
        for (int other : contactsOf(user)) {
            c->sendText(frame(
                {{"type", "contact_add"}, {"id", ++expected}, {"user", QString::fromStdString(userName(other))}}));
        }
    }
    const auto anyClosed = [&] {
        return std::any_of(connections.begin(), connections.end(), [](const auto &c) { return !c->isOpen(); });
    };
    m_loop.runUntil(EpollLoop::nowMs() + 120000, [&] { return acked >= expected || anyClosed(); });
    const bool closedEarly = anyClosed();
    *registering = false;
    for (auto &c : connections)
        c->sendText(R"({"type":"bye"})");
    // The gateway closes each after its bye: offline at once, not a drop waiting for its TTL.
    m_loop.runUntil(EpollLoop::nowMs() + 5000, [&] {
        return std::none_of(connections.begin(), connections.end(), [](const auto &c) { return c->isOpen(); });
    });
    if (refused > 0 || acked < expected)
        std::fprintf(stderr, "contact requests: %d of %d answered, %d refused%s\n", acked, expected, refused,
                     closedEarly ? ", the gateway closed a connection" : "");
    return acked >= expected && refused == 0 && !closedEarly;
}

std::vector<int> LoadRunner::contactsOf(int user) const
{
    // Ring neighbours, contacts / 2 on each side (the same one twice in a ring of two).
    const int n = m_options.users;
    const int half = std::max(1, m_options.contacts / 2);
    std::vector<int> contacts;
    for (int d = 1; d <= half && d < n; ++d) {
        for (int other : {(user + d) % n, (user - d + n) % n}) {
            if (other != user)
                contacts.push_back(other);
        }
    }
    return contacts;
}

std::string LoadRunner::tokensText() const
{
    std::string text;
    for (size_t i = 0; i < m_tokens.size(); ++i)
        text += userName(static_cast<int>(i)) + "\t" + m_tokens[i] + "\n";
    return text;
}

bool LoadRunner::loadTokens(const std::string &content)
{
    // Only the same users (prefix and count) can be reused.
    std::vector<std::string> tokens;
    std::istringstream lines(content);
    std::string line;
    while (std::getline(lines, line)) {
        const size_t tab = line.find('\t');
        if (tab == std::string::npos || line.substr(0, tab) != userName(static_cast<int>(tokens.size())))
            return false;
        tokens.push_back(line.substr(tab + 1));
    }
    if (tokens.size() != static_cast<size_t>(m_options.users))
        return false;
    m_tokens = std::move(tokens);
    return true;
}

bool LoadRunner::shareTokens()
{
    // Shard 0 registers (or reuses --tokens-file); the others read its tokens.
    if (m_sync.isLeader()) {
        std::string saved;
        if (!m_options.tokensFile.empty()) {
            QFile file(QString::fromStdString(m_options.tokensFile));
            if (file.open(QIODevice::ReadOnly))
                saved = file.readAll().toStdString();
        }
        if (saved.empty() || !loadTokens(saved)) {
            if (!registerUsers())
                return false;
            if (!m_options.tokensFile.empty()) {
                QFile file(QString::fromStdString(m_options.tokensFile));
                if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                    file.write(QByteArray::fromStdString(tokensText()));
            }
        }
        if (m_sync.count() > 1 && !m_sync.write("tokens", tokensText()))
            return false;
    }
    if (!m_sync.arrive("registered", 900000))
        return false;
    if (!m_sync.isLeader()) {
        const auto text = m_sync.read("tokens");
        return text && loadTokens(*text);
    }
    return true;
}

void LoadRunner::openSession(int index)
{
    Session &s = m_sessions[static_cast<size_t>(index)];
    s.welcomed = false;
    s.heartbeatsSentUs.clear();
    s.heartbeatsBehindRequest.clear();
    s.requestsInFlight = 0;
    s.connection = std::make_unique<WsConnection>(m_loop);
    s.connection->onOpen = [this, index] {
        const Session &session = m_sessions[static_cast<size_t>(index)];
        session.connection->sendText(
            frame({{"type", "hello"},
                   {"v", 1},
                   {"token", QString::fromStdString(m_tokens[static_cast<size_t>(session.user)])},
                   {"device", "load"}}));
    };
    s.connection->onText = [this, index](const std::string &text) { onSessionText(index, text); };
    s.connection->onClosed = [this, index] {
        Session &session = m_sessions[static_cast<size_t>(index)];
        if (session.welcomed)
            ++m_samples.sessionsClosed; // by the gateway (the tool's own drops do not call this)
        if (!session.welcomed && !session.refused) {
            session.refused = true; // closed before welcome: the gateway is full, or refused it
            ++m_refused;
        }
    };
    const GatewayAddress &gw = gatewayOf(s.user);
    if (!s.connection->open(gw.host, gw.port, sourceAddressOf(index)) && !s.refused) {
        s.refused = true;
        ++m_refused;
    }
}

void LoadRunner::sendHeartbeat(Session &s)
{
    noteHeartbeatSent(s, EpollLoop::wallUs());
    s.connection->sendText(s.idle ? kIdleHeartbeat : kHeartbeat);
}

void LoadRunner::noteHeartbeatSent(Session &s, std::int64_t atUs)
{
    s.heartbeatsSentUs.push_back(atUs);
    s.heartbeatsBehindRequest.push_back(s.requestsInFlight > 0);
}

void LoadRunner::onSessionText(int index, const std::string &text)
{
    Session &s = m_sessions[static_cast<size_t>(index)];
    if (text.find(kAckMarker) != std::string::npos) {
        if (s.heartbeatsSentUs.empty())
            return;
        const std::int64_t sentUs = s.heartbeatsSentUs.front();
        const bool behindRequest = s.heartbeatsBehindRequest.front();
        s.heartbeatsSentUs.pop_front();
        s.heartbeatsBehindRequest.pop_front();
        if (m_measuring) {
            StepSamples &step = m_samples.steps[m_step];
            step.ackRttMs.push_back(ms(s.connection->receivedUs() - sentUs));
            if (!behindRequest)
                step.ackRttFreeMs.push_back(step.ackRttMs.back());
            step.ackRttByGatewayMs.resize(m_options.gateways.size());
            step.ackRttByGatewayMs[static_cast<size_t>(s.user) % m_options.gateways.size()].push_back(step.ackRttMs.back());
            ++step.heartbeatsAcked;
        }
        if (s.dropAfterAck && s.heartbeatsSentUs.empty()) {
            // The server has its last frame: from it on the session is silent, then gone.
            s.dropAfterAck = false;
            m_samples.droppedLastFrameUs[userName(s.user)] = sentUs;
            s.connection->drop();
        }
        return;
    }
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
    const QString type = o.value("type").toString();
    if ((type == "ok" || type == "sent" || type == "error") && s.requestsInFlight > 0)
        --s.requestsInFlight;
    if (type == "welcome") {
        s.welcomed = true;
        ++m_welcomed;
        m_ttlMs = o.value("presence_ttl").toInt();
        if (s.idle)
            s.connection->sendText(kIdleHeartbeat);
        if (!s.heartbeating) {
            // From sign-in on, as a client does: a session that waits for the others to connect
            // must not run out its TTL meanwhile.
            s.heartbeating = true;
            std::uniform_int_distribution<int> phase(0, m_options.heartbeatMs - 1);
            scheduleHeartbeat(index, EpollLoop::nowMs() + phase(rng()));
        }
    } else if (type == "presence") {
        onPresence(o, s.connection->receivedUs(), s);
    } else if (type == "sent" && m_measuring) {
        const std::int64_t sentUs = sendTimeIn(o.value("cid").toString(), QLatin1Char('c'));
        if (sentUs > 0)
            m_samples.steps[m_step].sentMs.push_back(ms(s.connection->receivedUs() - sentUs));
    } else if (type == "message" && m_measuring && o.value("to").toString().toStdString() == userName(s.user)) {
        const std::int64_t sentUs = sendTimeIn(o.value("body").toString(), QLatin1Char('m'));
        if (sentUs > 0)
            m_samples.steps[m_step].deliveryMs.push_back(ms(s.connection->receivedUs() - sentUs));
    }
}

void LoadRunner::onPresence(const QJsonObject &o, std::int64_t receivedUs, Session &watcher)
{
    if (!m_measuring)
        return;
    for (const QJsonValue &v : o.value("users").toArray()) {
        const QJsonObject p = v.toObject();
        if (p.value("status").toString() == "offline")
            m_samples.offlineSeenUs.emplace_back(p.value("user").toString().toStdString(), receivedUs);
        const std::int64_t sentUs = sendTimeIn(p.value("text").toString(), QLatin1Char('p'));
        if (sentUs > 0)
            m_samples.steps[m_step].propagationMs.push_back(ms(receivedUs - sentUs));
        else if (m_options.scenario == "changes")
            timeActivityChange(p, receivedUs, watcher);
    }
}

void LoadRunner::timeActivityChange(const QJsonObject &p, std::int64_t receivedUs, Session &watcher)
{
    // The first push at this watcher that shows the user's last change of activity.
    const std::string name = p.value("user").toString().toStdString();
    const int user = std::atoi(name.substr(name.rfind('-') + 1).c_str());
    const auto change = m_activityChanges.find(user);
    if (change == m_activityChanges.end() || (p.value("status").toString() == "idle") != change->second.idle)
        return;
    if (change->second.behindRequest)
        return; // it waited for its session's own request: not what this measures
    std::int64_t &timed = watcher.activityTimed[user];
    if (timed >= change->second.seq)
        return;
    timed = change->second.seq;
    m_samples.steps[m_step].heartbeatPropagationMs.push_back(ms(receivedUs - change->second.sentUs));
}

void LoadRunner::changeOnce(Session &s)
{
    // A third of the users change their activity (a heartbeat carries it), the others set_status.
    const std::int64_t now = EpollLoop::wallUs();
    if (s.user % 3 == 0) {
        s.idle = !s.idle;
        ActivityChange &change = m_activityChanges[s.user];
        change = {now, s.idle, change.seq + 1, s.requestsInFlight > 0};
        noteHeartbeatSent(s, now);
        s.connection->sendText(s.idle ? kIdleHeartbeat : kActiveHeartbeat);
        return;
    }
    ++s.requestsInFlight; // answered `ok`
    s.connection->sendText(
        frame({{"type", "set_status"}, {"id", 1}, {"text", QString::fromStdString("p" + std::to_string(now))}}));
}

void LoadRunner::sendMessage(Session &s)
{
    ++s.requestsInFlight; // answered `sent`
    const std::int64_t now = EpollLoop::wallUs();
    const std::string to = userName((s.user + 1) % m_options.users); // a contact, on the other gateway
    const std::string cid =
        "c" + std::to_string(m_options.shardIndex) + "-" + std::to_string(++m_seq) + "-" + std::to_string(now);
    s.connection->sendText(frame({{"type", "send"},
                                  {"to", QString::fromStdString(to)},
                                  {"cid", QString::fromStdString(cid)},
                                  {"body", QString::fromStdString("m" + std::to_string(now))}}));
}

void LoadRunner::messageLoop(std::int64_t stepStartUs, double perS)
{
    m_loop.at(EpollLoop::nowMs() + 1, [this, stepStartUs, perS] {
        if (EpollLoop::nowMs() >= m_endMs || m_sessions.empty())
            return;
        const auto due = static_cast<std::int64_t>(perS * ms(EpollLoop::nowUs() - stepStartUs) / 1000.0);
        for (size_t tries = 0; m_messagesInStep < due && tries < m_sessions.size(); ++tries) {
            Session &s = m_sessions[m_nextMessageSender];
            m_nextMessageSender = (m_nextMessageSender + 1) % m_sessions.size();
            if (s.welcomed && s.connection->isOpen()) {
                sendMessage(s);
                ++m_messagesInStep;
            }
        }
        messageLoop(stepStartUs, perS);
    });
}

void LoadRunner::scheduleHeartbeat(int index, std::int64_t atMs)
{
    m_loop.at(atMs, [this, index, atMs] {
        if (m_chainsStopped)
            return;
        Session &s = m_sessions[static_cast<size_t>(index)];
        if (s.welcomed && s.connection->isOpen())
            sendHeartbeat(s);
        scheduleHeartbeat(index, atMs + m_options.heartbeatMs);
    });
}

bool LoadRunner::connectSessions()
{
    const int total = m_options.users * m_options.sessionsPerUser;
    const int mine = (total - m_options.shardIndex + m_options.shardCount - 1) / m_options.shardCount;
    m_sessions.resize(static_cast<size_t>(std::max(0, mine)));
    std::uniform_real_distribution<double> coin(0, 1);
    for (int i = 0; i < mine; ++i) {
        m_sessions[static_cast<size_t>(i)].user = userOf(i);
        m_sessions[static_cast<size_t>(i)].idle = coin(rng()) < m_options.idleShare;
    }
    // Open in waves so the listen backlog is not overrun.
    int opened = 0;
    while (opened < mine) {
        const int wave = std::min(mine, opened + 500);
        for (; opened < wave; ++opened)
            openSession(opened);
        m_loop.runUntil(EpollLoop::nowMs() + 60000, [&] { return m_welcomed + m_refused >= opened; });
    }
    m_samples.sessionsSignedIn = m_welcomed;
    m_samples.sessionsRefused = m_refused;
    return m_welcomed >= mine || m_options.scenario == "capacity";
}

void LoadRunner::changeStatusLoop()
{
    m_loop.at(EpollLoop::nowMs() + m_options.statusEveryMs, [this] {
        if (EpollLoop::nowMs() >= m_endMs)
            return;
        std::uniform_int_distribution<size_t> pick(0, m_sessions.size() - 1);
        Session &s = m_sessions[pick(rng())];
        if (s.welcomed && s.connection->isOpen()) {
            ++m_samples.statusChanges;
            const std::string text = "p" + std::to_string(EpollLoop::wallUs());
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
        std::uniform_int_distribution<size_t> pick(0, m_sessions.size() - 1);
        const size_t index = pick(rng());
        Session &s = m_sessions[index];
        if (s.welcomed) {
            s.connection->drop(); // vanishes without a close, comes right back (within the TTL)
            --m_welcomed;
            ++m_samples.reconnects;
            openSession(static_cast<int>(index));
        }
        flapLoop();
    });
}

void LoadRunner::sendNextAtRate()
{
    // Round robin over this shard's live sessions.
    for (size_t tries = 0; tries < m_sessions.size(); ++tries) {
        Session &s = m_sessions[m_nextSender];
        m_nextSender = (m_nextSender + 1) % m_sessions.size();
        if (!s.welcomed || !s.connection->isOpen())
            continue;
        ++m_samples.steps[m_step].offered;
        if (m_options.scenario == "messages")
            sendMessage(s);
        else if (m_options.scenario == "changes")
            changeOnce(s);
        else
            sendHeartbeat(s);
        return;
    }
}

void LoadRunner::rateLoop(std::int64_t stepStartUs, double perS)
{
    m_loop.at(EpollLoop::nowMs() + 1, [this, stepStartUs, perS] {
        if (EpollLoop::nowMs() >= m_endMs || m_sessions.empty())
            return;
        const auto due = static_cast<std::int64_t>(perS * ms(EpollLoop::nowUs() - stepStartUs) / 1000.0);
        for (; m_sentInStep < due; ++m_sentInStep)
            sendNextAtRate();
        rateLoop(stepStartUs, perS);
    });
}

void LoadRunner::scheduleDrops()
{
    // A share of this shard's sessions go silent and vanish, spread over the first second: each
    // sends a last heartbeat and is destroyed without a close once the server has acknowledged it.
    std::vector<size_t> chosen;
    std::uniform_real_distribution<double> coin(0, 1);
    for (size_t i = 0; i < m_sessions.size(); ++i) {
        if (m_sessions[i].welcomed && coin(rng()) < m_options.dropShare)
            chosen.push_back(i);
    }
    const std::int64_t start = EpollLoop::nowMs();
    for (size_t j = 0; j < chosen.size(); ++j) {
        m_loop.at(start + static_cast<std::int64_t>(1000 * j / chosen.size()), [this, index = chosen[j]] {
            Session &s = m_sessions[index];
            if (!s.connection->isOpen())
                return;
            s.dropAfterAck = true;
            sendHeartbeat(s);
        });
    }
}

void LoadRunner::runSteps()
{
    // The slow disk starts with the measured steps (the set-up ran at the disk's own speed).
    if (!m_options.fsyncDelayFile.empty() && m_sync.isLeader()) {
        std::ofstream(m_options.fsyncDelayFile) << m_options.fsyncDelayMs << "\n";
        m_loop.runUntil(EpollLoop::nowMs() + 500); // the shim reads it again within 100 ms
    }
    const bool stepped = !m_options.rateSteps.empty();
    const size_t steps = stepped ? m_options.rateSteps.size() : 1;
    m_samples.steps.assign(steps, StepSamples());
    m_stepStats.assign(steps, StepStats());
    const std::string &scenario = m_options.scenario;
    m_chainsStopped = scenario == "throughput";
    for (m_step = 0; m_step < steps; ++m_step) {
        std::int64_t lengthMs = static_cast<std::int64_t>(stepped ? m_options.stepS : m_options.durationS) * 1000;
        if (scenario == "drops") // every drop must have had the time the contract allows
            lengthMs = 1000 + m_ttlMs + 2000 + 2000;
        StepStats &stats = m_stepStats[m_step];
        const RedisCounters redisBefore = SystemStats::redisCounters(m_sync.isLeader() ? m_options.redisPort : 0);
        const CpuSeconds gatewayCpuBefore = SystemStats::processCpuSeconds(m_options.gatewayPids);
        const double toolCpuBefore = SystemStats::ownCpuSeconds();
        const std::int64_t fsyncsBefore = SystemStats::fsyncCount(m_sync.isLeader() ? m_options.fsyncCountDir : "");
        const std::int64_t startMs = EpollLoop::nowMs();
        m_endMs = startMs + lengthMs;
        m_measuring = true;
        m_sentInStep = 0;
        m_messagesInStep = 0;
        if (stepped) {
            m_samples.steps[m_step].offeredPerS = m_options.rateSteps[m_step] / m_options.shardCount;
            rateLoop(EpollLoop::nowUs(), m_samples.steps[m_step].offeredPerS);
        }
        if (m_step < m_options.messageRateSteps.size() && m_options.messageRateSteps[m_step] > 0)
            messageLoop(EpollLoop::nowUs(), m_options.messageRateSteps[m_step] / m_options.shardCount);
        if (scenario == "propagation")
            changeStatusLoop();
        if (scenario == "flapping")
            flapLoop();
        if (scenario == "drops")
            scheduleDrops();
        m_loop.runUntil(m_endMs);
        m_loop.runUntil(EpollLoop::nowMs() + 500); // late answers
        stats.windowS = static_cast<double>(EpollLoop::nowMs() - startMs) / 1000.0;
        stats.gatewayCpu = SystemStats::processCpuSeconds(m_options.gatewayPids) - gatewayCpuBefore;
        stats.toolCpuS = SystemStats::ownCpuSeconds() - toolCpuBefore;
        stats.fsyncs = SystemStats::fsyncCount(m_sync.isLeader() ? m_options.fsyncCountDir : "") - fsyncsBefore;
        const RedisCounters redisAfter = SystemStats::redisCounters(m_sync.isLeader() ? m_options.redisPort : 0);
        stats.redis = {redisAfter.calls - redisBefore.calls - 1, redisAfter.usec - redisBefore.usec};
        m_measuring = false;
        m_toolCpuS += stats.toolCpuS;
        m_windowS += stats.windowS;
        // One process's view is enough to stop a rate ramp that is already far past its limit.
        const StepSamples &done = m_samples.steps[m_step];
        if (stepped && scenario != "changes" && m_sync.count() == 1 &&
            percentile(done.ackRttMs, 0.99) > 20 * m_options.maxP99Ms) {
            m_samples.steps.resize(m_step + 1);
            m_stepStats.resize(m_step + 1);
            break;
        }
    }
}

QJsonObject LoadRunner::stepReport(const StepSamples &samples, const StepStats &stats) const
{
    QJsonObject r{{"window_s", stats.windowS}};
    if (!m_options.rateSteps.empty()) {
        r.insert("offered_per_s", samples.offeredPerS);
        r.insert("sent_per_s", static_cast<double>(samples.offered) / m_options.stepS);
    }
    if (!samples.ackRttMs.empty()) {
        r.insert("heartbeats_acked", static_cast<double>(samples.heartbeatsAcked));
        r.insert("heartbeats_acked_per_s", static_cast<double>(samples.heartbeatsAcked) / stats.windowS);
        r.insert("heartbeat_ack_p50_ms", percentile(samples.ackRttMs, 0.50));
        r.insert("heartbeat_ack_p99_ms", percentile(samples.ackRttMs, 0.99));
        r.insert("heartbeat_ack_max_ms", percentile(samples.ackRttMs, 1.0));
        if (m_options.scenario == "changes") {
            r.insert("heartbeat_ack_free_p99_ms", percentile(samples.ackRttFreeMs, 0.99));
            r.insert("heartbeat_ack_free_max_ms", percentile(samples.ackRttFreeMs, 1.0));
        }
    }
    if (!m_options.gatewayPids.empty()) {
        r.insert("gateway_cpu_percent_of_core", 100.0 * stats.gatewayCpu.total() / stats.windowS);
        // System time includes the loopback: a send runs the receiver's TCP input on this core.
        r.insert("gateway_cpu_user_percent_of_core", 100.0 * stats.gatewayCpu.user / stats.windowS);
        r.insert("gateway_cpu_system_percent_of_core", 100.0 * stats.gatewayCpu.system / stats.windowS);
    }
    if (m_options.redisPort > 0 && samples.heartbeatsAcked > 0) {
        r.insert("redis_commands", static_cast<double>(stats.redis.calls));
        r.insert("redis_commands_per_heartbeat",
                 static_cast<double>(stats.redis.calls) / static_cast<double>(samples.heartbeatsAcked));
        r.insert("redis_usec_per_heartbeat",
                 static_cast<double>(stats.redis.usec) / static_cast<double>(samples.heartbeatsAcked));
    }
    if (!samples.propagationMs.empty()) {
        r.insert("deliveries", static_cast<double>(samples.propagationMs.size()));
        r.insert("propagation_p50_ms", percentile(samples.propagationMs, 0.50));
        r.insert("propagation_p99_ms", percentile(samples.propagationMs, 0.99));
        r.insert("propagation_max_ms", percentile(samples.propagationMs, 1.0));
    }
    if (!samples.heartbeatPropagationMs.empty()) {
        r.insert("heartbeat_deliveries", static_cast<double>(samples.heartbeatPropagationMs.size()));
        r.insert("heartbeat_propagation_p50_ms", percentile(samples.heartbeatPropagationMs, 0.50));
        r.insert("heartbeat_propagation_p99_ms", percentile(samples.heartbeatPropagationMs, 0.99));
        r.insert("heartbeat_propagation_max_ms", percentile(samples.heartbeatPropagationMs, 1.0));
    }
    for (size_t g = 0; g < samples.ackRttByGatewayMs.size() && m_options.gateways.size() > 1; ++g)
        r.insert(QString("heartbeat_ack_p99_ms_gw%1").arg(g + 1), percentile(samples.ackRttByGatewayMs[g], 0.99));
    if (!m_options.fsyncCountDir.empty())
        r.insert("fsyncs_per_s", static_cast<double>(stats.fsyncs) / stats.windowS);
    if (m_options.scenario == "changes" && !samples.sentMs.empty()) {
        r.insert("messages_stored", static_cast<double>(samples.sentMs.size()));
        r.insert("messages_delivered", static_cast<double>(samples.deliveryMs.size()));
        r.insert("sent_ack_p99_ms", percentile(samples.sentMs, 0.99));
        r.insert("delivery_p99_ms", percentile(samples.deliveryMs, 0.99));
    }
    if (m_options.scenario == "messages") {
        r.insert("messages_sent", static_cast<double>(samples.offered));
        r.insert("messages_stored", static_cast<double>(samples.sentMs.size()));
        r.insert("messages_delivered", static_cast<double>(samples.deliveryMs.size()));
        r.insert("messages_delivered_per_s", static_cast<double>(samples.deliveryMs.size()) / stats.windowS);
        r.insert("sent_ack_p50_ms", percentile(samples.sentMs, 0.50));
        r.insert("sent_ack_p99_ms", percentile(samples.sentMs, 0.99));
        r.insert("delivery_p50_ms", percentile(samples.deliveryMs, 0.50));
        r.insert("delivery_p99_ms", percentile(samples.deliveryMs, 0.99));
        r.insert("delivery_max_ms", percentile(samples.deliveryMs, 1.0));
    }
    return r;
}

QJsonObject LoadRunner::report(const ShardSamples &all, double rssDeltaKib, double connectS, double registerS) const
{
    QJsonObject result{{"scenario", QString::fromStdString(m_options.scenario)},
                       {"users", m_options.users},
                       {"sessions", static_cast<double>(all.sessionsSignedIn)},
                       {"gateways", static_cast<int>(m_options.gateways.size())},
                       {"load_processes", m_options.shardCount},
                       {"heartbeat_ms", m_options.heartbeatMs},
                       {"presence_ttl_ms", m_ttlMs},
                       {"register_s", registerS},
                       {"connect_and_sign_in_s", connectS},
                       {"sessions_refused", static_cast<double>(all.sessionsRefused)}};
    if (!m_options.gatewayPids.empty() && all.sessionsSignedIn > 0) {
        result.insert("gateway_rss_mib",
                      static_cast<double>(SystemStats::processRssKib(m_options.gatewayPids)) / 1024.0);
        result.insert("gateway_rss_kib_per_session", rssDeltaKib / static_cast<double>(all.sessionsSignedIn));
    }
    // Each shard's tool CPU is summed in toolCpuS by the leader (see run()).
    if (m_options.rateSteps.empty()) {
        const QJsonObject step = stepReport(all.steps.at(0), m_stepStats.at(0));
        for (auto it = step.begin(); it != step.end(); ++it)
            result.insert(it.key(), it.value());
        if (result.contains("gateway_cpu_percent_of_core") && all.sessionsSignedIn > 0)
            result.insert("gateway_cpu_percent_per_1000_sessions",
                          result.value("gateway_cpu_percent_of_core").toDouble() * 1000.0 /
                              static_cast<double>(all.sessionsSignedIn));
    } else {
        QJsonArray steps;
        double best = 0;
        for (size_t i = 0; i < all.steps.size(); ++i) {
            const QJsonObject step = stepReport(all.steps[i], m_stepStats.at(i));
            steps.append(step);
            // Sustained: the tool really sent at the offered rate over the step, every heartbeat
            // sent was acknowledged (answers come in until the window ends, half a second later),
            // and the p99 stayed under the bound.
            const double sent = static_cast<double>(all.steps[i].offered);
            const double offered = m_options.rateSteps.empty() ? 0 : m_options.rateSteps[i] * m_options.stepS;
            if (m_options.scenario == "throughput" &&
                step.value("heartbeat_ack_p99_ms").toDouble(1e9) < m_options.maxP99Ms && sent >= 0.95 * offered &&
                static_cast<double>(all.steps[i].heartbeatsAcked) >= sent)
                best = std::max(best, static_cast<double>(all.steps[i].heartbeatsAcked) / m_options.stepS);
            if (m_options.scenario == "messages" &&
                all.steps[i].deliveryMs.size() >= static_cast<size_t>(all.steps[i].offered))
                best = std::max(best, step.value("messages_delivered_per_s").toDouble());
        }
        result.insert("steps", steps);
        if (m_options.scenario == "throughput") {
            result.insert("max_p99_ms", m_options.maxP99Ms);
            result.insert("max_heartbeats_per_s_within_p99", best);
        } else if (m_options.scenario == "messages") {
            result.insert("max_messages_per_s_all_delivered", best);
        }
    }
    if (m_options.scenario == "flapping")
        result.insert("reconnects", static_cast<double>(all.reconnects));
    if (m_options.scenario == "propagation")
        result.insert("status_changes", static_cast<double>(all.statusChanges));
    result.insert("sessions_closed_by_gateway", static_cast<double>(all.sessionsClosed));
    if (!m_options.fsyncDelayFile.empty())
        result.insert("fsync_delay_ms_in_steps", m_options.fsyncDelayMs);

    // Offline sightings: of a dropped user, timed against its last frame; of anyone else, false.
    std::vector<double> delays;
    std::set<std::string> seen;
    std::int64_t falseOffline = 0;
    for (const auto &[user, atUs] : all.offlineSeenUs) {
        const auto dropped = all.droppedLastFrameUs.find(user);
        if (dropped == all.droppedLastFrameUs.end()) {
            ++falseOffline;
            continue;
        }
        delays.push_back(ms(atUs - dropped->second));
        seen.insert(user);
    }
    result.insert("false_offline_events", static_cast<double>(falseOffline));
    if (m_options.scenario == "drops") {
        const auto early = std::count_if(delays.begin(), delays.end(), [&](double d) { return d < m_ttlMs; });
        const auto late = std::count_if(delays.begin(), delays.end(), [&](double d) { return d > m_ttlMs + 2000; });
        result.insert("users_dropped", static_cast<double>(all.droppedLastFrameUs.size()));
        result.insert("users_seen_offline", static_cast<double>(seen.size()));
        // A dropped user whose contacts all dropped too has no one left to see it go.
        std::int64_t unwatched = 0;
        std::int64_t unseen = 0;
        for (int user = 0; user < m_options.users; ++user) {
            if (!all.droppedLastFrameUs.count(userName(user)) || seen.count(userName(user)))
                continue;
            const std::vector<int> contacts = contactsOf(user);
            const bool watched = std::any_of(contacts.begin(), contacts.end(),
                                             [&](int other) { return !all.droppedLastFrameUs.count(userName(other)); });
            ++(watched ? unseen : unwatched);
        }
        result.insert("users_never_seen_offline", static_cast<double>(unseen));
        result.insert("users_dropped_with_no_watcher_left", static_cast<double>(unwatched));
        result.insert("offline_sightings", static_cast<double>(delays.size()));
        result.insert("offline_before_ttl", static_cast<double>(early));
        result.insert("offline_after_ttl_plus_2s", static_cast<double>(late));
        result.insert("offline_delay_min_ms", delays.empty() ? -1 : *std::min_element(delays.begin(), delays.end()));
        result.insert("offline_delay_p50_ms", percentile(delays, 0.50));
        result.insert("offline_delay_p99_ms", percentile(delays, 0.99));
        result.insert("offline_delay_max_ms", percentile(delays, 1.0));
    }
    return result;
}

QJsonObject LoadRunner::run()
{
    QJsonObject failure{{"scenario", QString::fromStdString(m_options.scenario)}};
    if (m_options.scenario == "drops" && m_options.sessionsPerUser != 1) {
        failure.insert("error", "drops needs one session per user (a user goes offline with its last session)");
        return failure;
    }
    const std::int64_t startMs = EpollLoop::nowMs();
    if (!shareTokens()) {
        failure.insert("error", "registration failed");
        return failure;
    }
    const double registerS = static_cast<double>(EpollLoop::nowMs() - startMs) / 1000.0;
    const std::int64_t rssBefore = SystemStats::processRssKib(m_options.gatewayPids);
    const std::int64_t connectStart = EpollLoop::nowMs();
    const bool connected = connectSessions();
    if (!m_sync.arrive("connected", 900000) || !connected) {
        failure.insert("error", "sessions did not all sign in");
        failure.insert("sessions", static_cast<int>(m_sessions.size()));
        failure.insert("sessions_signed_in", m_welcomed);
        failure.insert("sessions_refused", m_refused);
        return failure;
    }
    const double connectS = static_cast<double>(EpollLoop::nowMs() - connectStart) / 1000.0;
    const double rssDeltaKib = static_cast<double>(SystemStats::processRssKib(m_options.gatewayPids) - rssBefore);

    // Let everyone's roster and first heartbeats settle, then measure.
    m_loop.runUntil(EpollLoop::nowMs() + 1000);
    runSteps();

    const QJsonObject mine = m_samples.toJson();
    QJsonObject withCpu = mine;
    withCpu.insert("tool_cpu_s", m_toolCpuS);
    if (m_sync.count() > 1)
        m_sync.write("samples." + std::to_string(m_sync.index()),
                     QJsonDocument(withCpu).toJson(QJsonDocument::Compact).toStdString());
    if (!m_sync.arrive("done", 300000)) {
        failure.insert("error", "a load process did not finish");
        return failure;
    }
    if (!m_sync.isLeader())
        return QJsonObject{{"scenario", failure.value("scenario")}, {"shard", m_sync.index()}};

    ShardSamples all;
    double toolCpuS = 0;
    for (int i = 0; i < m_sync.count(); ++i) {
        QJsonObject shard = withCpu;
        if (i != m_sync.index()) {
            const auto text = m_sync.read("samples." + std::to_string(i));
            if (!text) {
                failure.insert("error", "a load process wrote no samples");
                return failure;
            }
            shard = QJsonDocument::fromJson(QByteArray::fromStdString(*text)).object();
        }
        all.merge(ShardSamples::fromJson(shard));
        toolCpuS += shard.value("tool_cpu_s").toDouble();
    }
    QJsonObject result = report(all, static_cast<double>(rssDeltaKib), connectS, registerS);
    result.insert("tool_cpu_percent_of_core", 100.0 * toolCpuS / m_windowS);
    if (!m_options.output.empty()) {
        QFile out(QString::fromStdString(m_options.output));
        if (out.open(QIODevice::WriteOnly))
            out.write(QJsonDocument(result).toJson());
    }
    return result;
}

} // namespace presently::bench
