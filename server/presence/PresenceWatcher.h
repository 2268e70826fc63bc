#pragma once

#include "protocol/UserPresence.h"

namespace presently {

// Something on this gateway that shows a user's presence (a client session).
class PresenceWatcher {
public:
    virtual ~PresenceWatcher() = default;
    virtual void presencePushed(const UserPresence &presence) = 0;
};

} // namespace presently
