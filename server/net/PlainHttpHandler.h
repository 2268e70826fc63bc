#pragma once

#include <QByteArray>
#include <functional>

namespace presently {

// Answers a plain HTTP GET on the listen port (a health check): the whole response for the
// request target ("/readyz"), or empty for the 426 a WebSocket endpoint gives anything else.
// Runs on the event loop: it must answer at once, from state it already holds.
using PlainHttpHandler = std::function<QByteArray(const QByteArray &target)>;

} // namespace presently
