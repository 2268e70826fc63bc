#pragma once

#include "protocol/UserPresence.h"

namespace presently {

// The protocol's aggregation table, in one place for the embedded store (the Redis store runs the
// same rule in Lua: RedisScripts.cpp).
class PresenceAggregator {
public:
    struct Input {
        int liveSessions = 0;
        bool anyActive = false;
        QStringList devices; // of live sessions, any order, may repeat
        Mode mode = Mode::Auto;
        QString text;
        qint64 nowMs = 0;
        qint64 offlineSeenMs = 0; // last_seen if this change makes the user offline
    };

    // Applies the input to the previous visible state; true if that is a visible change.
    static bool apply(UserPresence &visible, const Input &input);
};

} // namespace presently
