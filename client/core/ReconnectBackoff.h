#pragma once

#include <QtGlobal>

namespace presently {

// Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2^n)].
class ReconnectBackoff {
public:
    explicit ReconnectBackoff(int baseMs = 500, int capMs = 30000);

    int nextDelayMs();
    void reset() { m_attempt = 0; }
    int attempt() const { return m_attempt; }

private:
    int m_baseMs;
    int m_capMs;
    int m_attempt = 0;
};

} // namespace presently
