#pragma once

#include "protocol/ProtocolLimits.h"
#include "session/SignInThrottle.h"

#include <QString>

namespace presently {

// What the server's configuration tells each session, as values (the composition root fills
// them from ServerConfig).
struct SessionSettings {
    QString serverId;
    int heartbeatIntervalMs = 10000;
    int presenceTtlMs = 30000;
    int authTimeoutMs = 10000;
    // Live sessions one user may hold on a gateway; more are refused with 4004. 0: no limit.
    int maxSessionsPerUser = 10;
    SignInThrottle::Policy signInThrottle;
    ProtocolLimits limits;
};

} // namespace presently
