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
    // Who may create an account with `register`: anyone, holders of an invitation an admin made
    // (`presently-server invite create`), or nobody (accounts made by `presently-server user add`).
    enum class Registration { Open, Invite, Closed };
    Registration registration = Registration::Open;
    // Messages one user may send per UTC day (and their bytes); 0: no limit. Per gateway.
    // Contact requests one user may have waiting at once.
    int maxWaitingRequests = 100;
    int dailyMessagesPerUser = 10000;
    qint64 dailyMessageBytesPerUser = 20LL * 1024 * 1024;
    // Where the database lives, and the free space below which a send is `unavailable` rather
    // than a write the disk may not take. Empty path: not checked.
    QString storagePath;
    qint64 minFreeDiskBytes = 64LL * 1024 * 1024;
    SignInThrottle::Policy signInThrottle;
    ProtocolLimits limits;
};

} // namespace presently
