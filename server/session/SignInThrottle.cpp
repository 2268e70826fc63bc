#include "session/SignInThrottle.h"

#include "net/ClientAddress.h"

#include <algorithm>

namespace presently {

namespace {
constexpr qint64 kHourMs = 3600 * 1000;
} // namespace

SignInThrottle::SignInThrottle(const Policy &policy)
    : m_policy(policy)
{}

template <typename Key>
qint64 SignInThrottle::remaining(const QHash<Key, Record> &records, const Key &key, qint64 nowMs)
{
    const auto it = records.constFind(key);
    return it == records.cend() ? 0 : std::max<qint64>(0, it->blockedUntilMs - nowMs);
}

qint64 SignInThrottle::waitMs(const QString &user, const QHostAddress &address, qint64 nowMs) const
{
    return std::max(remaining(m_accounts, user, nowMs), remaining(m_addresses, ClientAddress::key(address), nowMs));
}

template <typename Key> void SignInThrottle::makeRoom(QHash<Key, Record> &records, qint64 nowMs)
{
    if (records.size() < kMaxEntries)
        return;
    // Forget what has run its course; if that is not enough, the stalest half.
    for (auto it = records.begin(); it != records.end();) {
        if (it->blockedUntilMs <= nowMs && nowMs - it->lastFailureMs >= m_policy.forgetAfterMs)
            it = records.erase(it);
        else
            ++it;
    }
    if (records.size() < kMaxEntries * 9 / 10)
        return;
    std::vector<qint64> last;
    last.reserve(size_t(records.size()));
    for (const Record &record : std::as_const(records))
        last.push_back(record.lastFailureMs);
    std::nth_element(last.begin(), last.begin() + long(last.size() / 2), last.end());
    const qint64 median = last[last.size() / 2];
    for (auto it = records.begin(); it != records.end();) {
        if (it->lastFailureMs <= median)
            it = records.erase(it);
        else
            ++it;
    }
}

template <typename Key>
void SignInThrottle::count(QHash<Key, Record> &records, const Key &key, int freeFailures, qint64 nowMs)
{
    auto it = records.find(key);
    if (it == records.end()) {
        makeRoom(records, nowMs);
        it = records.insert(key, Record{});
    } else if (it->blockedUntilMs <= nowMs && nowMs - it->lastFailureMs >= m_policy.forgetAfterMs) {
        *it = Record{};
    }
    ++it->failures;
    it->lastFailureMs = nowMs;
    const int over = it->failures - freeFailures;
    if (over <= 0)
        return;
    const int doublings = std::min(over - 1, 30);
    const qint64 wait = std::min(m_policy.maxWaitMs, m_policy.firstWaitMs << doublings);
    it->blockedUntilMs = nowMs + wait;
}

void SignInThrottle::failed(const QString &user, const QHostAddress &address, qint64 nowMs)
{
    count(m_accounts, user, m_policy.freeFailuresPerAccount, nowMs);
    count(m_addresses, ClientAddress::key(address), m_policy.freeFailuresPerAddress, nowMs);
}

void SignInThrottle::succeeded(const QString &user)
{
    m_accounts.remove(user);
}

QByteArray SignInThrottle::checkStarted(const QHostAddress &address)
{
    const QByteArray key = ClientAddress::key(address);
    int &running = m_checksInFlight[key];
    if (m_policy.checksInFlightPerAddress > 0 && running >= m_policy.checksInFlightPerAddress)
        return {};
    ++running;
    return key;
}

void SignInThrottle::checkEnded(const QByteArray &key)
{
    const auto it = m_checksInFlight.find(key);
    if (it != m_checksInFlight.end() && --*it <= 0)
        m_checksInFlight.erase(it);
}

bool SignInThrottle::mayRegister(const QHostAddress &address, qint64 nowMs) const
{
    if (m_policy.registrationsPerAddressPerHour <= 0)
        return true;
    const auto it = m_registrations.constFind(ClientAddress::key(address));
    return it == m_registrations.cend() || nowMs - it->first >= kHourMs ||
           it->second < m_policy.registrationsPerAddressPerHour;
}

void SignInThrottle::registered(const QHostAddress &address, qint64 nowMs)
{
    if (m_policy.registrationsPerAddressPerHour <= 0)
        return;
    if (m_registrations.size() >= kMaxEntries) { // bounded: windows that ended go first
        for (auto it = m_registrations.begin(); it != m_registrations.end();)
            it = nowMs - it->first >= kHourMs ? m_registrations.erase(it) : std::next(it);
        if (m_registrations.size() >= kMaxEntries)
            m_registrations.clear();
    }
    QPair<qint64, int> &window = m_registrations[ClientAddress::key(address)];
    if (nowMs - window.first >= kHourMs)
        window = {nowMs, 0};
    ++window.second;
}

} // namespace presently
