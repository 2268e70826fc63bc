#pragma once

#include "protocol/Protocol.h"

#include <QString>

namespace presently {

// What went wrong, in words a person understands: a protocol error code (auth_failed,
// too_large, bad_request, ...) is never shown as such. `subject` is who or what the request
// was about, when there is one ("bob").
class ErrorText {
public:
    // A request about a contact: adding, accepting, declining or removing `user`.
    static QString contactRequest(ErrorCode code, const QString &user);
    // Signing in or creating an account; `retryAfterMs` as the server said it (rate_limited).
    static QString signIn(ErrorCode code, qint64 retryAfterMs = 0);
    // Anything else the server refused.
    static QString general(ErrorCode code);
};

} // namespace presently
