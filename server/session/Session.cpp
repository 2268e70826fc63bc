#include "session/Session.h"

#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "base/Clock.h"
#include "base/Overloaded.h"
#include "metrics/Metrics.h"
#include "presence/PresenceStore.h"
#include "protocol/ServerMessages.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcSession, "presently.session")
Q_DECLARE_LOGGING_CATEGORY(lcSecurity)

namespace presently {

namespace {
// A client that does not read its socket is cut off before the gateway buffers this much for it.
constexpr qint64 kMaxPendingWriteBytes = 4 * 1024 * 1024;
constexpr qsizetype kFloodBytesPerToken = 8 * 1024;
constexpr int kMaxFramesBeforeWelcome = 16;
constexpr qint64 kMaxBytesBeforeWelcome = 64 * 1024;

QString newSessionId()
{
    quint64 bits[2];
    QRandomGenerator::system()->fillRange(bits);
    return QStringLiteral("s-%1%2").arg(bits[0], 16, 16, QLatin1Char('0')).arg(bits[1], 16, 16, QLatin1Char('0'));
}

} // namespace

Session::Session(MessageChannel *channel, const SessionServices &services, SessionContext *context,
                 const SessionSettings &settings, QObject *parent)
    : QObject(parent)
    , m_channel(channel)
    , m_services(services)
    , m_context(context)
    , m_settings(settings)
    , m_parser(settings.limits)
    , m_requestBucket(settings.limits.rateBurst, settings.limits.ratePerSecond)
    , m_floodBucket(settings.limits.floodBurst, settings.limits.floodPerSecond)
    , m_queue(this, context->loopTurn())
    , m_roster(services.hub, this)
    , m_signIn(*this)
    , m_presenceRequests(*this)
    , m_contactRequests(*this)
    , m_messageRequests(*this)
    , m_accountRequests(*this)
{
    m_channel->setReceiver(this);
    m_authTimer.setSingleShot(true);
    m_authTimer.setInterval(settings.authTimeoutMs);
    connect(&m_authTimer, &QTimer::timeout, this, [this] {
        // A password check waiting for the hashing pool is not the client's delay: its answer
        // (welcome, auth_failed, unavailable) comes when it runs, within the pool's bound.
        if (m_signIn.isChecking())
            return;
        if (m_state == State::AwaitingHello || m_state == State::Authenticating)
            close(CloseCode::Authentication, QStringLiteral("not signed in in time"));
    });
    m_authTimer.start();
}

Session::~Session()
{
    // The channel closes without a word (no channelClosed) when it is deleted.
    m_channel->setReceiver(nullptr);
}

qint64 Session::serverNowMs() const
{
    return m_services.presence->nowMs();
}

void Session::frameCounted()
{
    if (m_state != State::Closed && !m_floodBucket.take(Clock::nowMs()))
        closeForAbuse(QStringLiteral("too many frames"));
}

void Session::onFrame(const QByteArray &frame, bool binary)
{
    if (m_state == State::Closed)
        return;
    // The rate buckets run on this machine's monotonic clock, never on a store's.
    const qint64 now = Clock::nowMs();
    // A frame counts once, and once more per whole 8 KiB: big frames flood faster than small ones.
    if (!m_floodBucket.take(now, 1.0 + double(frame.size() / kFloodBytesPerToken))) {
        closeForAbuse(QStringLiteral("too many frames"));
        return;
    }
    if (m_state == State::Live) {
        m_services.presence->touchSession(m_sessionId);
    } else if (++m_framesBeforeWelcome > kMaxFramesBeforeWelcome ||
               (m_bytesBeforeWelcome += frame.size()) > kMaxBytesBeforeWelcome) {
        // Frames after hello wait for its password check; a client may send a few ahead, not
        // make us hold a flood of them.
        closeForAbuse(QStringLiteral("too much before welcome"));
        return;
    }

    ParseResult result;
    if (binary)
        result.error = {ErrorCode::BadJson, QStringLiteral("binary frames are not accepted"), {}};
    else
        result = m_parser.parse(frame);

    bool limited = false;
    const bool heartbeat = result.type == ClientMessageType::Heartbeat;
    if (!heartbeat)
        m_channel->noteInteractive();
    if (!m_firstFrame && !heartbeat)
        limited = !m_requestBucket.take(now);
    m_firstFrame = false;
    m_queue.run([this, result = std::move(result), limited] { handle(result, limited); });
}

void Session::handle(const ParseResult &result, bool rateLimited)
{
    if (m_state == State::AwaitingHello) {
        handleBeforeWelcome(result);
        return;
    }
    if (m_state != State::Live)
        return;
    if (rateLimited) {
        sendError(ErrorCode::RateLimited, QStringLiteral("over the rate limit"), result.error.id);
        return;
    }
    if (!result.ok()) {
        sendError(result.error.code, result.error.message, result.error.id);
        return;
    }
    handleLive(*result.message);
}

void Session::handleBeforeWelcome(const ParseResult &r)
{
    const bool isAuth = r.type == ClientMessageType::Hello || r.type == ClientMessageType::Register;
    if (!r.ok()) {
        if (r.error.code == ErrorCode::BadJson || isAuth)
            refuse(r.error.code, r.error.message, r.error.id);
        else
            refuse(ErrorCode::NotAuthenticated, QStringLiteral("send hello or register first"), r.error.id);
        return;
    }
    if (!isAuth) {
        refuse(ErrorCode::NotAuthenticated, QStringLiteral("send hello or register first"), r.message->id);
        return;
    }
    m_state = State::Authenticating;
    m_requestFrames = r.message->features.contains(QLatin1String(Feature::RequestFrames));
    m_signIn.start(*r.message);
}

bool Session::takeFromUserBucket(const QJsonValue &id)
{
    // Messages and contact requests are durable writes: however many connections a user holds,
    // together they get one connection's rate of them.
    if (m_context->userBucket(m_user).take(Clock::nowMs()))
        return true;
    sendError(ErrorCode::RateLimited, QStringLiteral("too many messages and requests from this account at once"), id);
    return false;
}

void Session::handleLive(const ClientMessage &m)
{
    if ((m.type == ClientMessageType::Send || m.type == ClientMessageType::ContactAdd) && !takeFromUserBucket(m.id))
        return;
    switch (m.type) {
    case ClientMessageType::Hello:
    case ClientMessageType::Register:
        sendError(ErrorCode::BadRequest, QStringLiteral("already signed in"), m.id);
        return;
    case ClientMessageType::Heartbeat:
        m_presenceRequests.heartbeat(m);
        return;
    case ClientMessageType::SetStatus:
        m_presenceRequests.setStatus(m);
        return;
    case ClientMessageType::Query:
    case ClientMessageType::Subscribe:
    case ClientMessageType::Unsubscribe:
        m_presenceRequests.watchOrQuery(m);
        return;
    case ClientMessageType::ContactAdd:
    case ClientMessageType::ContactAccept:
    case ClientMessageType::ContactRemove:
    case ClientMessageType::Block:
    case ClientMessageType::Unblock:
        m_contactRequests.change(m);
        return;
    case ClientMessageType::Send:
        m_messageRequests.send(m);
        return;
    case ClientMessageType::History:
        m_messageRequests.history(m);
        return;
    case ClientMessageType::Sync:
        m_messageRequests.sync(m);
        return;
    case ClientMessageType::Read:
        m_messageRequests.read(m);
        return;
    case ClientMessageType::Typing:
        m_messageRequests.typing(m);
        return;
    case ClientMessageType::Bye:
        endSession(CloseCode::Normal, QStringLiteral("bye"));
        return;
    case ClientMessageType::Logout:
        m_accountRequests.logout(m);
        return;
    case ClientMessageType::LogoutAll:
        m_accountRequests.logoutAll(m);
        return;
    case ClientMessageType::ChangePassword:
        m_accountRequests.changePassword(m);
        return;
    }
}

void Session::becomeLive(const SignedIn &start, const QString &device)
{
    const QString &user = start.user;
    m_authTimer.stop();
    m_state = State::Live;
    m_user = user;
    m_roster.setSelf(user);
    m_token = start.token;
    m_tokenDigest = PasswordHasher::tokenDigest(start.token);
    m_sessionId = newSessionId();
    m_messageRequests.startLive(start.lastMid);
    m_context->sessionLive(this);
    ++Metrics::loop().presenceWrites;
    m_services.presence->startSession({m_sessionId, user, device, Activity::Active, start.status});

    WelcomeInfo info;
    info.user = user;
    info.session = m_sessionId;
    info.server = m_settings.serverId;
    info.token = start.token;
    info.heartbeatIntervalMs = m_settings.heartbeatIntervalMs;
    info.presenceTtlMs = m_settings.presenceTtlMs;
    info.limits = m_settings.limits;
    info.ts = serverNowMs();
    if (m_requestFrames)
        info.features.append(QLatin1String(Feature::RequestFrames));
    send(ServerMessages::welcome(info));
    qCInfo(lcSession) << "session" << m_sessionId << "of" << user << "from" << device;
    m_contactRequests.reload();
}

void Session::presencePushed(const UserPresence &presence)
{
    if (m_state != State::Live || !m_contactRequests.rosterSent() || !m_roster.mayWatch(presence.user))
        return;
    ++Metrics::loop().presenceDelivered;
    sendFrame(m_context->presenceFrame(presence));
}

void Session::endPresence()
{
    ++Metrics::loop().presenceWrites;
    m_services.presence->endSession(m_sessionId);
}

void Session::handleUserEvent(const UserEvent &event)
{
    m_queue.run([this, event] {
        if (m_state != State::Live)
            return;
        using namespace UserEvents;
        std::visit(Overloaded{
                       [this](const ContactsChanged &e) {
                           if (e.bySession != m_sessionId) // that session reloaded before its ok
                               m_contactRequests.reload();
                       },
                       [this](const ContactRequest &e) { contactRequested(e); },
                       [this](const MessageStored &e) { m_messageRequests.deliverUpTo(e.mid); },
                       [this](const ReadMoved &e) {
                           if (e.bySession != m_sessionId)
                               send(ServerMessages::read(e.from, e.with, e.mid));
                       },
                       [this](const Typing &e) { send(ServerMessages::typing(e.from, e.state)); },
                       [this](const TokensRevoked &e) {
                           if (AccountRequests::revokes(e, m_tokenDigest))
                               endSession(CloseCode::Authentication, QStringLiteral("signed out"));
                       },
                       [this](const CatchUp &) {
                           m_messageRequests.deliverAll();
                           m_contactRequests.reload();
                       },
                   },
                   event);
    });
}

void Session::contactRequested(const UserEvents::ContactRequest &request)
{
    if (request.bySession == m_sessionId)
        return; // the asking session was told before its ok
    if (m_requestFrames) {
        send(ServerMessages::contactRequest(request.from, request.ts, request.to));
        return;
    }
    // The contract: the frame to the one asked, then `contacts` anew to every session of both.
    if (request.to == m_user)
        send(ServerMessages::contactRequest(request.from, request.ts));
    m_contactRequests.reload();
}

void Session::endSession(quint16 closeCode, const QString &reason)
{
    if (m_state == State::Live && !m_sessionEnded) {
        m_sessionEnded = true;
        endPresence();
    }
    close(closeCode, reason);
}

void Session::expire()
{
    m_sessionEnded = true;
    close(CloseCode::PresenceTimeout, QStringLiteral("presence timed out"));
}

void Session::goAway()
{
    // The session is left as it is: the client reconnects within the TTL, or the TTL takes it.
    m_sessionEnded = true;
    close(CloseCode::GoingAway, QStringLiteral("server restarting"));
}

void Session::send(const QJsonObject &object)
{
    sendFrame(ServerMessages::toFrame(object));
}

void Session::sendFrame(const QByteArray &utf8)
{
    if (m_state == State::Closed)
        return;
    // Before the write and after it: one big reply (a sync page) must not be the one that got away.
    if (closeIfNotReading())
        return;
    m_channel->sendText(utf8);
    closeIfNotReading();
}

void Session::closeForAbuse(const QString &reason)
{
    // For the operator (and fail2ban): who, from where, and why; then 1008.
    qCInfo(lcSecurity).noquote() << "closed for abuse (" + reason + "): user"
                                 << (m_user.isEmpty() ? QStringLiteral("-") : m_user) << "from"
                                 << peerAddress().toString();
    Metrics::instance().countRateLimited("closed_for_abuse");
    close(CloseCode::Policy, reason);
}

bool Session::closeIfNotReading()
{
    if (m_channel->bytesToWrite() <= kMaxPendingWriteBytes)
        return false;
    qCWarning(lcSession) << "session" << m_sessionId << "does not read; closing";
    endSession(CloseCode::Policy, QStringLiteral("not reading"));
    return true;
}

void Session::sendError(ErrorCode code, const QString &message, const QJsonValue &id, qint64 retryAfterMs)
{
    if (code == ErrorCode::RateLimited)
        Metrics::instance().countRateLimited(m_state == State::Live ? "request" : "sign_in");
    send(ServerMessages::error({code, message, id, retryAfterMs}));
}

void Session::chargeForReply(qint64 bytes)
{
    constexpr qint64 kBytesPerRequest = 64 * 1024;
    if (bytes >= kBytesPerRequest)
        m_requestBucket.charge(Clock::nowMs(), double(bytes / kBytesPerRequest));
}

void Session::sendOk(const QJsonValue &id)
{
    if (id.isString() || id.isDouble())
        send(ServerMessages::ok(id));
}

void Session::refuse(ErrorCode code, const QString &message, const QJsonValue &id, quint16 closeCode,
                     qint64 retryAfterMs)
{
    Metrics::instance().countAuthFailure(closeCode == CloseCode::TooManySessions ? "sessions_per_user"
                                         : code == ErrorCode::AuthFailed         ? "wrong_credentials"
                                         : code == ErrorCode::RateLimited        ? "throttled"
                                         : code == ErrorCode::Unavailable        ? "unavailable"
                                         : code == ErrorCode::Forbidden          ? "forbidden"
                                                                                 : "bad_request");
    sendError(code, message, id, retryAfterMs);
    close(closeCode, message.left(100));
}

QHostAddress Session::peerAddress() const
{
    return m_channel ? m_channel->peerAddress() : QHostAddress();
}

bool Session::atSessionLimit(const QString &user) const
{
    return m_settings.maxSessionsPerUser > 0 && m_context->liveSessionsOf(user) >= m_settings.maxSessionsPerUser;
}

void Session::close(quint16 code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    const bool wasLive = m_state == State::Live;
    m_state = State::Closed;
    m_queue.close();
    m_signIn.abandon();
    m_accountRequests.abandon();
    if (wasLive && !m_sessionEnded) {
        // The server ends the session itself (rate limit, and the like): offline at once.
        m_sessionEnded = true;
        endPresence();
    }
    // The socket reads (and drops) what comes until the client answers: closing with unread input
    // would make TCP send a reset, and the client might never read our close frame.
    m_channel->close(code, reason);
}

void Session::channelClosed()
{
    if (m_state == State::Live && !m_sessionEnded && m_closeHandshake) {
        // The client closed cleanly: its device is offline at once.
        m_sessionEnded = true;
        endPresence();
    }
    // Without a close handshake the socket died: the session stays until its TTL runs out.
    m_state = State::Closed;
    m_queue.close();
    m_signIn.abandon(); // a password check not started yet is no longer wanted
    m_accountRequests.abandon();
    m_context->sessionGone(this);
    deleteLater();
}

} // namespace presently
