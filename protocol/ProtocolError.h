#pragma once

#include "protocol/Protocol.h"

#include <QJsonValue>
#include <QString>

namespace presently {

// An error as the protocol sends it: a code, a message naming the field at fault, and the
// request's id when it had one.
struct ProtocolError {
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QJsonValue id = QJsonValue::Undefined;
    // rate_limited: how long to wait before trying again (`retry_after_ms`); 0: not said.
    qint64 retryAfterMs = 0;
};

} // namespace presently
