#pragma once

#include <QSet>
#include <QString>
#include <QStringList>
#include <deque>
#include <functional>
#include <utility>

namespace presently {

// Sessions in the order of their frames, so that finding those whose TTL ran out costs what
// expires, not a walk over every session each tick (at 19,000 sessions that walk was a quarter
// of the gateway's CPU). Each frame appends an entry; an entry is current while it is its
// session's last frame, and stale ones are dropped as they reach the front.
class SessionDeadlines {
public:
    void frame(const QString &sessionId, qint64 atMs) { m_frames.emplace_back(atMs, sessionId); }

    // Sessions whose last frame is at or before `cutoffMs`. `lastFrameOf` gives a session's last
    // frame time, or -1 when the session is gone.
    QStringList takeExpired(qint64 cutoffMs, const std::function<qint64(const QString &)> &lastFrameOf)
    {
        QStringList expired;
        QSet<QString> seen;
        while (!m_frames.empty() && m_frames.front().first <= cutoffMs) {
            const auto [atMs, sessionId] = std::move(m_frames.front());
            m_frames.pop_front();
            // Two frames in one millisecond leave two current entries: report the session once.
            if (lastFrameOf(sessionId) == atMs && !seen.contains(sessionId)) {
                seen.insert(sessionId);
                expired.append(sessionId);
            }
        }
        return expired;
    }

    void clear() { m_frames.clear(); }

private:
    std::deque<std::pair<qint64, QString>> m_frames; // in time order (one monotonic clock)
};

} // namespace presently
