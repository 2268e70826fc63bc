#include "base/TokenBucket.h"

#include <algorithm>

namespace presently {

TokenBucket::TokenBucket(int capacity, int perSecond)
    : m_capacity(capacity)
    , m_perMs(perSecond / 1000.0)
    , m_tokens(capacity)
{}

void TokenBucket::refill(qint64 nowMs)
{
    if (m_lastMs >= 0)
        m_tokens = std::min(m_capacity, m_tokens + static_cast<double>(nowMs - m_lastMs) * m_perMs);
    m_lastMs = nowMs;
}

void TokenBucket::charge(qint64 nowMs, double tokens)
{
    refill(nowMs);
    m_tokens = std::max(-m_capacity, m_tokens - tokens);
}

bool TokenBucket::take(qint64 nowMs, double tokens)
{
    refill(nowMs);
    if (m_tokens < tokens)
        return false;
    m_tokens -= tokens;
    return true;
}

} // namespace presently
