#pragma once

#include "protocol/Protocol.h"

#include <QString>

namespace presently {

// What a user chose with set_status: their mode and text. Stored by the account store (SQL is
// the truth), carried by presence.
struct StoredStatus {
    Mode mode = Mode::Auto;
    QString text;
};

} // namespace presently
