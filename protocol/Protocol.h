#pragma once

#include <QString>
#include <optional>

// Names and codes of the wire protocol (docs/protocol.md), shared by client and server.
namespace presently {

inline constexpr int kProtocolVersion = 1;

// Extension: optional behaviours a client asks for in `hello`/`register` `features` and the
// server confirms in `welcome.features` (docs/protocol.md). Unknown names are ignored.
namespace Feature {
// A new contact request reaches both users' sessions as one `contact_request` frame (with `to`)
// instead of a whole `contacts` list.
inline constexpr auto RequestFrames = "request_frames";
} // namespace Feature

enum class ErrorCode {
    BadJson,
    BadRequest,
    UnknownType,
    NotAuthenticated,
    AuthFailed,
    UserExists,
    Forbidden,
    NotFound,
    RateLimited,
    TooLarge,
    Unavailable,
    Internal,
};

namespace CloseCode {
inline constexpr quint16 Normal = 1000;
inline constexpr quint16 GoingAway = 1001;
inline constexpr quint16 Policy = 1008;
inline constexpr quint16 TooBig = 1009;
// Extension: the gateway holds as many connections as it can (its open-file limit); come back
// later, with backoff. (Not 1013: Qt 6.4 and other older clients reject it as invalid.)
inline constexpr quint16 TryAgainLater = 4003;
inline constexpr quint16 Authentication = 4001;
// Extension: the server ended a session whose presence TTL ran out without a frame.
inline constexpr quint16 PresenceTimeout = 4002;
// Extension: the user holds as many sessions on this gateway as it allows (--max-sessions-per-user).
inline constexpr quint16 TooManySessions = 4004;
// Extension: the client's address holds as many connections as the gateway allows from one
// address (--max-connections-per-address).
inline constexpr quint16 TooManyFromAddress = 4005;
} // namespace CloseCode

enum class Activity { Active, Idle };
enum class Mode { Auto, Dnd, Invisible };
enum class Status { Online, Idle, Dnd, Offline, Unknown };

QString errorCodeName(ErrorCode code);
std::optional<ErrorCode> errorCodeFromName(const QString &name);
QString activityName(Activity activity);
std::optional<Activity> activityFromName(const QString &name);
QString modeName(Mode mode);
std::optional<Mode> modeFromName(const QString &name);
QString statusName(Status status);
std::optional<Status> statusFromName(const QString &name);

// Folds ASCII upper case and checks 2..32 characters of [a-z0-9._-]; nullopt when invalid.
std::optional<QString> normalizeUserName(const QString &name);

// Length in Unicode code points, as the protocol counts "characters".
qsizetype codePointCount(const QString &text);

} // namespace presently
