#include "protocol/Protocol.h"

#include <array>

namespace presently {

namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<const char *, N> &names, const QString &name)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (name == QLatin1String(names[i]))
            return static_cast<Enum>(i);
    }
    return std::nullopt;
}

constexpr std::array<const char *, 12> kErrorNames = {
    "bad_json",  "bad_request", "unknown_type", "not_authenticated", "auth_failed", "user_exists",
    "forbidden", "not_found",   "rate_limited", "too_large",         "unavailable", "internal"};
constexpr std::array<const char *, 2> kActivityNames = {"active", "idle"};
constexpr std::array<const char *, 3> kModeNames = {"auto", "dnd", "invisible"};
constexpr std::array<const char *, 5> kStatusNames = {"online", "idle", "dnd", "offline", "unknown"};

} // namespace

QString errorCodeName(ErrorCode code)
{
    return QLatin1String(kErrorNames[static_cast<std::size_t>(code)]);
}

std::optional<ErrorCode> errorCodeFromName(const QString &name)
{
    return lookup<ErrorCode>(kErrorNames, name);
}

QString activityName(Activity activity)
{
    return QLatin1String(kActivityNames[static_cast<std::size_t>(activity)]);
}

std::optional<Activity> activityFromName(const QString &name)
{
    return lookup<Activity>(kActivityNames, name);
}

QString modeName(Mode mode)
{
    return QLatin1String(kModeNames[static_cast<std::size_t>(mode)]);
}

std::optional<Mode> modeFromName(const QString &name)
{
    return lookup<Mode>(kModeNames, name);
}

QString statusName(Status status)
{
    return QLatin1String(kStatusNames[static_cast<std::size_t>(status)]);
}

std::optional<Status> statusFromName(const QString &name)
{
    return lookup<Status>(kStatusNames, name);
}

std::optional<QString> normalizeUserName(const QString &name)
{
    if (name.size() < 2 || name.size() > 32)
        return std::nullopt;
    QString folded = name;
    for (QChar &c : folded) {
        const char16_t u = c.unicode();
        if (u >= 'A' && u <= 'Z') {
            c = QChar(u - 'A' + 'a');
            continue;
        }
        const bool ok = (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '.' || u == '_' || u == '-';
        if (!ok)
            return std::nullopt;
    }
    return folded;
}

qsizetype codePointCount(const QString &text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        ++count;
    }
    return count;
}

} // namespace presently
