#pragma once

#include <QtGlobal>

namespace presently {

// A token bucket: `capacity` tokens, refilled continuously at `perSecond`.
class TokenBucket {
public:
    TokenBucket(int capacity, int perSecond);

    // Takes `tokens` if there are as many; false (and nothing taken) if not.
    bool take(qint64 nowMs, double tokens = 1.0);
    // Takes `tokens` whether there are as many or not: a debt (down to minus the capacity) that
    // refills before anything else is taken.
    void charge(qint64 nowMs, double tokens);

private:
    void refill(qint64 nowMs);

    double m_capacity;
    double m_perMs;
    double m_tokens;
    qint64 m_lastMs = -1;
};

} // namespace presently
