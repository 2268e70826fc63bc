#include "protocol/ProtocolParser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <cmath>
#include <cstring>

namespace presently {

namespace {

// Thrown inside the parser only, caught in parse(): keeps each field check to one line.
struct FieldError {
    ErrorCode code;
    QString message;
};

[[noreturn]] void fail(ErrorCode code, const QString &message)
{
    throw FieldError{code, message};
}

QString fieldMessage(const QString &field, const char *what)
{
    return QStringLiteral("field '%1' %2").arg(field, QLatin1String(what));
}

int hexUnit(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    int unit = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = p[i];
        const int digit = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (digit < 0)
            return -1;
        unit = unit * 16 + digit;
    }
    return unit;
}

// JSON lets a string hold "\ud800" alone, which is no character: Qt turns it into something else
// (joined with what follows, even another character), so what was stored would not be what was
// sent. Refused instead. (Surrogates sent as raw UTF-8 are refused by the transport, 1007.)
bool hasLoneSurrogateEscape(const QByteArray &json)
{
    const char *p = json.constData();
    const char *const end = p + json.size();
    while ((p = static_cast<const char *>(std::memchr(p, '\\', size_t(end - p))))) {
        if (end - p < 2 || p[1] != 'u') {
            p += 2; // an escaped character, the backslash itself included
            continue;
        }
        const int unit = hexUnit(p + 2, end);
        p += 6;
        if (unit >= 0xDC00 && unit <= 0xDFFF)
            return true; // a low half with no high half before it
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            const int low = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hexUnit(p + 2, end) : -1;
            if (low < 0xDC00 || low > 0xDFFF)
                return true;
            p += 6;
        }
    }
    return false;
}

// What a field of text may hold. Names, status texts and device labels are one line shown among
// other people's: no control characters and no direction overrides (which make a name read
// backwards or swallow what follows it). Message bodies may break lines and hold tabs, and may
// carry direction marks (the client shows them isolated), but no other control characters.
// Passwords are never shown: anything.
enum class TextRule { Line, Message, Secret };

bool isRefused(char32_t c, TextRule rule)
{
    if (c < 0x20)
        return !(rule == TextRule::Message && (c == '\n' || c == '\t'));
    if (c >= 0x7F && c <= 0x9F)
        return true; // DEL and the C1 controls
    const bool directionControl = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    return rule == TextRule::Line && directionControl;
}

class FieldReader {
public:
    FieldReader(const QJsonObject &object, const ProtocolLimits &limits)
        : m_object(object)
        , m_limits(limits)
    {}

    bool has(const QString &field) const
    {
        const QJsonValue v = m_object.value(field);
        return !v.isUndefined() && !v.isNull();
    }

    QString string(const QString &field, int minChars, int maxChars, bool tooLongIsTooLarge,
                   TextRule rule = TextRule::Line) const
    {
        const QJsonValue v = m_object.value(field);
        if (!v.isString())
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be a string"));
        const QString s = v.toString();
        const qsizetype n = codePointCount(s);
        if (n > maxChars) {
            fail(tooLongIsTooLarge ? ErrorCode::TooLarge : ErrorCode::BadRequest,
                 QStringLiteral("field '%1' must be at most %2 characters").arg(field).arg(maxChars));
        }
        if (n < minChars) {
            fail(ErrorCode::BadRequest,
                 QStringLiteral("field '%1' must be at least %2 characters").arg(field).arg(minChars));
        }
        if (rule != TextRule::Secret) {
            for (const char32_t c : s.toUcs4()) {
                if (isRefused(c, rule)) {
                    fail(ErrorCode::BadRequest, QStringLiteral("field '%1' holds a control character (U+%2)")
                                                    .arg(field)
                                                    .arg(quint32(c), 4, 16, QLatin1Char('0')));
                }
            }
        }
        return s;
    }

    QString userName(const QString &field) const
    {
        const QJsonValue v = m_object.value(field);
        if (!v.isString())
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be a user name"));
        const std::optional<QString> name = normalizeUserName(v.toString());
        if (!name) {
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be 2 to 32 characters of a-z 0-9 . _ -"));
        }
        return *name;
    }

    qint64 integer(const QString &field, qint64 minimum) const
    {
        const QJsonValue v = m_object.value(field);
        if (!v.isDouble())
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be an integer"));
        const double d = v.toDouble();
        // Integers beyond 2^53 cannot be told apart in JSON numbers as read here.
        constexpr double kMaxExact = 9007199254740992.0;
        if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > kMaxExact)
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be an integer"));
        const auto i = static_cast<qint64>(d);
        if (i < minimum) {
            fail(ErrorCode::BadRequest, QStringLiteral("field '%1' must be at least %2").arg(field).arg(minimum));
        }
        return i;
    }

    bool boolean(const QString &field) const
    {
        const QJsonValue v = m_object.value(field);
        if (!v.isBool())
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be true or false"));
        return v.toBool();
    }

    // Names of extensions: unknown ones are kept (and ignored by the server), so a newer client
    // may ask for what an older server lacks.
    QStringList featureList(const QString &field) const
    {
        constexpr int kMaxFeatures = 16;
        const QJsonValue v = m_object.value(field);
        if (!v.isArray() || v.toArray().size() > kMaxFeatures)
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be a list of at most 16 names"));
        QStringList names;
        for (const QJsonValue &item : v.toArray()) {
            const QString name = item.toString();
            if (!item.isString() || name.isEmpty() || name.size() > 32)
                fail(ErrorCode::BadRequest, fieldMessage(field, "must be a list of at most 16 names"));
            if (!names.contains(name))
                names.append(name);
        }
        return names;
    }

    QStringList userList(const QString &field) const
    {
        const QJsonValue v = m_object.value(field);
        if (!v.isArray())
            fail(ErrorCode::BadRequest, fieldMessage(field, "must be a list of names"));
        const QJsonArray array = v.toArray();
        if (array.size() > m_limits.maxQueryUsers) {
            fail(ErrorCode::TooLarge,
                 QStringLiteral("field '%1' must name at most %2 users").arg(field).arg(m_limits.maxQueryUsers));
        }
        QStringList users;
        QSet<QString> seen;
        for (const QJsonValue &item : array) {
            const std::optional<QString> name = item.isString() ? normalizeUserName(item.toString()) : std::nullopt;
            if (!name)
                fail(ErrorCode::BadRequest, fieldMessage(field, "must be a list of names"));
            if (!seen.contains(*name)) {
                seen.insert(*name);
                users.append(*name);
            }
        }
        return users;
    }

private:
    const QJsonObject &m_object;
    const ProtocolLimits &m_limits;
};

void readHello(const FieldReader &r, ClientMessage &m, const ProtocolLimits &limits)
{
    if (r.has(QStringLiteral("v")) && r.integer(QStringLiteral("v"), 0) != kProtocolVersion)
        fail(ErrorCode::BadRequest, QStringLiteral("field 'v' must be 1"));
    if (r.has(QStringLiteral("device")))
        m.device = r.string(QStringLiteral("device"), 1, limits.maxDeviceChars, true);
    if (r.has(QStringLiteral("client")))
        m.client = r.string(QStringLiteral("client"), 0, 128, true);
    if (r.has(QStringLiteral("features")))
        m.features = r.featureList(QStringLiteral("features"));
    if (m.type == ClientMessageType::Hello && r.has(QStringLiteral("token"))) {
        m.token = r.string(QStringLiteral("token"), 1, 256, false);
        return;
    }
    m.user = r.userName(QStringLiteral("user"));
    m.password =
        r.string(QStringLiteral("password"), limits.minPasswordChars, limits.maxPasswordChars, true, TextRule::Secret);
    if (m.type == ClientMessageType::Register && r.has(QStringLiteral("invite")))
        m.invite = r.string(QStringLiteral("invite"), 1, 128, false);
}

void readFields(const FieldReader &r, ClientMessage &m, const ProtocolLimits &limits)
{
    switch (m.type) {
    case ClientMessageType::Hello:
    case ClientMessageType::Register:
        readHello(r, m, limits);
        break;
    case ClientMessageType::Heartbeat:
        if (r.has(QStringLiteral("status"))) {
            const QString s = r.string(QStringLiteral("status"), 0, 16, false);
            m.activity = activityFromName(s);
            if (!m.activity)
                fail(ErrorCode::BadRequest, QStringLiteral("field 'status' must be active or idle"));
        }
        break;
    case ClientMessageType::SetStatus:
        if (r.has(QStringLiteral("mode"))) {
            m.mode = modeFromName(r.string(QStringLiteral("mode"), 0, 16, false));
            if (!m.mode) {
                fail(ErrorCode::BadRequest, QStringLiteral("field 'mode' must be auto, dnd or invisible"));
            }
        }
        if (r.has(QStringLiteral("text")))
            m.text = r.string(QStringLiteral("text"), 0, limits.maxTextChars, true);
        break;
    case ClientMessageType::Query:
    case ClientMessageType::Subscribe:
    case ClientMessageType::Unsubscribe:
        m.users = r.userList(QStringLiteral("users"));
        break;
    case ClientMessageType::ContactAdd:
    case ClientMessageType::ContactAccept:
    case ClientMessageType::ContactRemove:
    case ClientMessageType::Block:
    case ClientMessageType::Unblock:
        m.user = r.userName(QStringLiteral("user"));
        break;
    case ClientMessageType::Send:
        m.to = r.userName(QStringLiteral("to"));
        m.cid = r.string(QStringLiteral("cid"), 1, limits.maxCidChars, true);
        m.body = r.string(QStringLiteral("body"), 1, limits.maxBodyChars, true, TextRule::Message);
        break;
    case ClientMessageType::History:
        m.with = r.userName(QStringLiteral("with"));
        if (r.has(QStringLiteral("before")))
            m.before = r.integer(QStringLiteral("before"), 0);
        m.limit = limits.defaultHistoryLimit;
        if (r.has(QStringLiteral("limit"))) {
            m.limit = static_cast<int>(std::min<qint64>(r.integer(QStringLiteral("limit"), 1), limits.maxHistoryLimit));
        }
        break;
    case ClientMessageType::Sync:
        if (r.has(QStringLiteral("after")))
            m.after = r.integer(QStringLiteral("after"), 0);
        break;
    case ClientMessageType::Read:
        m.with = r.userName(QStringLiteral("with"));
        m.mid = r.integer(QStringLiteral("mid"), 0);
        break;
    case ClientMessageType::Typing:
        m.to = r.userName(QStringLiteral("to"));
        m.state = r.boolean(QStringLiteral("state"));
        break;
    case ClientMessageType::ChangePassword:
        m.oldPassword = r.string(QStringLiteral("old_password"), 1, limits.maxPasswordChars, true, TextRule::Secret);
        m.password = r.string(QStringLiteral("password"), limits.minPasswordChars, limits.maxPasswordChars, true,
                              TextRule::Secret);
        break;
    case ClientMessageType::Bye:
    case ClientMessageType::Logout:
    case ClientMessageType::LogoutAll:
        break;
    }
}

} // namespace

ProtocolParser::ProtocolParser(const ProtocolLimits &limits)
    : m_limits(limits)
{}

ParseResult ProtocolParser::parse(const QByteArray &utf8Frame) const
{
    ParseResult result;
    if (utf8Frame.size() > m_limits.maxMessageBytes) {
        result.error = {ErrorCode::TooLarge, QStringLiteral("frame is over %1 bytes").arg(m_limits.maxMessageBytes)};
        return result;
    }
    // Most frames are heartbeats, sent byte for byte alike by clients: recognise the plain forms
    // without building a JSON document (a third of a gateway's work per heartbeat otherwise).
    // Any other spelling takes the full path below and means the same.
    static const QByteArray kPlain = QByteArrayLiteral(R"({"type":"heartbeat"})");
    static const QByteArray kIdle = QByteArrayLiteral(R"({"type":"heartbeat","status":"idle"})");
    static const QByteArray kActive = QByteArrayLiteral(R"({"type":"heartbeat","status":"active"})");
    const bool plain = utf8Frame == kPlain;
    const bool idle = utf8Frame == kIdle;
    if (plain || idle || utf8Frame == kActive) {
        result.type = ClientMessageType::Heartbeat;
        result.message.emplace();
        result.message->type = ClientMessageType::Heartbeat;
        if (!plain)
            result.message->activity = idle ? Activity::Idle : Activity::Active;
        return result;
    }
    QJsonParseError jsonError;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8Frame, &jsonError);
    if (jsonError.error != QJsonParseError::NoError || !doc.isObject()) {
        result.error = {ErrorCode::BadJson, jsonError.error != QJsonParseError::NoError
                                                ? QStringLiteral("frame is not JSON: %1").arg(jsonError.errorString())
                                                : QStringLiteral("frame is not a JSON object")};
        return result;
    }
    const QJsonObject object = doc.object();

    const QJsonValue id = object.value(QStringLiteral("id"));
    if (id.isString() && id.toString().size() > m_limits.maxIdChars) {
        // Not echoed: an id is the client's to match replies, not a way to make us store and send
        // back 64 KiB per request.
        result.error = {ErrorCode::TooLarge,
                        QStringLiteral("field 'id' is longer than %1 characters").arg(m_limits.maxIdChars)};
        return result;
    }
    bool idValid = id.isUndefined() || id.isNull() || id.isString();
    if (id.isDouble()) {
        const double d = id.toDouble();
        idValid = std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0;
    }
    if (idValid && !id.isNull())
        result.error.id = id;

    const QJsonValue typeValue = object.value(QStringLiteral("type"));
    if (!typeValue.isString()) {
        result.error.code = ErrorCode::BadRequest;
        result.error.message = QStringLiteral("field 'type' must be a string");
        return result;
    }
    result.type = clientMessageTypeFromName(typeValue.toString());
    if (!result.type) {
        result.error.code = ErrorCode::UnknownType;
        result.error.message = QStringLiteral("unknown type '%1'").arg(typeValue.toString().left(64));
        return result;
    }
    if (!idValid) {
        result.error.code = ErrorCode::BadRequest;
        result.error.message = QStringLiteral("field 'id' must be a string or an integer");
        return result;
    }

    if (hasLoneSurrogateEscape(utf8Frame)) {
        result.error.code = ErrorCode::BadRequest;
        result.error.message = QStringLiteral("text holds a lone UTF-16 surrogate (\\uD800-\\uDFFF not in a pair)");
        return result;
    }
    ClientMessage message;
    message.type = *result.type;
    message.id = result.error.id;
    try {
        readFields(FieldReader(object, m_limits), message, m_limits);
    } catch (const FieldError &e) {
        result.error.code = e.code;
        result.error.message = e.message;
        return result;
    }
    result.message = std::move(message);
    return result;
}

} // namespace presently
