#pragma once

#include "protocol/ProtocolLimits.h"

#include <QString>

namespace presently {

// What the server's configuration tells each session, as values (the composition root fills
// them from ServerConfig).
struct SessionSettings {
    QString serverId;
    int heartbeatIntervalMs = 10000;
    int presenceTtlMs = 30000;
    int authTimeoutMs = 10000;
    ProtocolLimits limits;
};

} // namespace presently
