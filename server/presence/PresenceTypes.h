#pragma once

#include "protocol/StoredStatus.h"
#include "protocol/UserPresence.h"

namespace presently {

// A session becoming live on this gateway.
struct SessionStart {
    QString sessionId;
    QString user;
    QString device;
    Activity activity = Activity::Active;
    StoredStatus status; // the user's stored mode and text (SQL is the truth)
};

// A user's visible presence with a version that only grows, so that a gateway can order a fetched
// state against pushed changes.
struct PresenceEntry {
    UserPresence presence;
    qint64 version = 0;
    bool known = true; // false: the store holds nothing for the user (never seen, or data lost)
};

} // namespace presently
