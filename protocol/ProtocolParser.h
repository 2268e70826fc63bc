#pragma once

#include "protocol/ClientMessage.h"
#include "protocol/ProtocolError.h"
#include "protocol/ProtocolLimits.h"

#include <QByteArray>
#include <optional>

namespace presently {

struct ParseResult {
    // The frame's type when it names a known one, even if the rest of the frame is faulty.
    std::optional<ClientMessageType> type;
    std::optional<ClientMessage> message;
    ProtocolError error; // meaningful when message is empty

    bool ok() const { return message.has_value(); }
};

// Turns one text frame into a validated ClientMessage, or the protocol error naming the fault.
// Knows nothing of sockets.
class ProtocolParser {
public:
    explicit ProtocolParser(const ProtocolLimits &limits = {});

    ParseResult parse(const QByteArray &utf8Frame) const;

private:
    ProtocolLimits m_limits;
};

} // namespace presently
