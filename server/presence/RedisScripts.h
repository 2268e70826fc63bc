#pragma once

#include <QByteArray>

namespace presently::RedisScripts {

// Lua scripts run atomically in Redis; each carries the aggregation rule (PresenceAggregator in
// C++). Keys: pr:s:<sid> session hash, pr:us:<user> the user's session ids, pr:m:<user> mode and
// text, pr:v:<user> the visible state with its version, pr:lf a sorted set of session ids by last
// frame time (the deadline index), pr:gw:<id> gateway leases. Channels: pr:c:<user> presence
// changes, pr:gwc:<id> sessions of a gateway that another one expired.
extern const QByteArray startSession;
extern const QByteArray setActivity;
extern const QByteArray endSession;
extern const QByteArray setMode;
extern const QByteArray fetch;
extern const QByteArray tick;

} // namespace presently::RedisScripts
