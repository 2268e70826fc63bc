#include "core/Connection.h"

#include "protocol/ClientMessages.h"

#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcConnection, "presently.connection")

namespace presently {

Connection::Connection(QObject *parent)
    : QObject(parent)
    , m_pacer([this](const QByteArray &frame) { m_socket.sendTextMessage(QString::fromUtf8(frame)); })
{
    connect(&m_socket, &QWebSocket::connected, this, &Connection::onConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &Connection::onDisconnected);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &Connection::onText);
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    connect(&m_socket, &QWebSocket::errorOccurred, this, [this] {
#else
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this] {
#endif
        if ((m_state == State::Connecting || m_state == State::SigningIn) && !m_certificateRefused)
            m_lastError = m_socket.errorString();
    });
#ifndef QT_NO_SSL
    // Said before the handshake fails (with a vaguer error): the reason a person can act on.
    connect(&m_socket, &QWebSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        if (errors.isEmpty())
            return;
        m_certificateRefused = true;
        m_lastError = tr("the server's certificate is not trusted: %1").arg(errors.first().errorString());
    });
#endif
    m_attemptDeadline.setSingleShot(true);
    connect(&m_attemptDeadline, &QTimer::timeout, this, &Connection::onAttemptTimeout);
    m_heartbeat.setTimerType(Qt::PreciseTimer);
    connect(&m_heartbeat, &QTimer::timeout, this, &Connection::heartbeatTick);
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &Connection::connectNow);
}

Connection::~Connection()
{
    m_socket.disconnect(this);
    m_socket.abort();
}

void Connection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

int Connection::msUntilReconnect() const
{
    if (m_state != State::WaitingToReconnect || !m_reconnect.isActive())
        return 0;
    return m_reconnect.remainingTime();
}

void Connection::signIn(const QUrl &server, const QString &user, const QString &password, bool createAccount,
                        const QString &invite)
{
    m_server = server;
    m_user = user.toLower();
    m_password = password;
    m_invite = invite;
    m_token.clear();
    m_createAccount = createAccount;
    m_wanted = true;
    m_backoff.reset();
    connectNow();
}

void Connection::resume(const QUrl &server, const QString &user, const QString &token)
{
    m_server = server;
    m_user = user.toLower();
    m_token = token;
    m_password.clear();
    m_wanted = true;
    m_backoff.reset();
    connectNow();
}

void Connection::setTimeouts(int openMs, int signInMs)
{
    m_openTimeoutMs = openMs;
    m_signInTimeoutMs = signInMs;
}

bool Connection::isSocketOpen() const
{
    return m_socket.state() != QAbstractSocket::UnconnectedState;
}

void Connection::retryNow()
{
    if (m_wanted && m_state == State::WaitingToReconnect) {
        m_reconnect.stop();
        connectNow();
    }
}

void Connection::onAttemptTimeout()
{
    if (m_state != State::Connecting && m_state != State::SigningIn)
        return;
    const bool opening = m_state == State::Connecting;
    m_lastError = opening ? tr("the server did not answer within %n s", nullptr, (m_openTimeoutMs + 999) / 1000)
                          : tr("signing in took longer than %n s", nullptr, (m_signInTimeoutMs + 999) / 1000);
    qCWarning(lcConnection) << "attempt timed out:" << m_lastError;
    m_socket.abort();
    // abort() of a socket that never opened may not say `disconnected`: then fail it here.
    if (m_state == State::Connecting || m_state == State::SigningIn)
        onDisconnected();
}

void Connection::stop(bool logout)
{
    m_wanted = false;
    m_attemptDeadline.stop();
    m_reconnect.stop();
    m_heartbeat.stop();
    m_pacer.clear();
    if (m_state == State::Connected) {
        send(logout ? ClientMessages::logout() : ClientMessages::bye());
        m_socket.close();
    } else {
        m_socket.abort(); // nothing to say yet: an attempt still opening or signing in
    }
    if (logout)
        m_token.clear();
    setState(State::SignedOut);
}

void Connection::drop()
{
    m_socket.abort();
}

void Connection::connectNow()
{
    if (!m_wanted)
        return;
    m_opened = false;
    m_certificateRefused = false;
    m_lastError.clear();
    setState(State::Connecting);
    m_socket.abort();
    m_attemptDeadline.start(m_openTimeoutMs);
#ifndef QT_NO_SSL
    // The trusted CAs as they are now (TrustedCertificates may have added one since).
    m_socket.setSslConfiguration(QSslConfiguration::defaultConfiguration());
#endif
    m_socket.open(m_server);
}

void Connection::onConnected()
{
    m_opened = true;
    setState(State::SigningIn);
    m_attemptDeadline.start(m_signInTimeoutMs);
    const QString client = QStringLiteral("presently/") + QStringLiteral(PRESENTLY_VERSION);
    ClientMessage hello = !m_token.isEmpty() ? ClientMessages::helloWithToken(m_token, m_device, client)
                          : m_createAccount
                              ? ClientMessages::registerUser(m_user, m_password, m_device, client, m_invite)
                              : ClientMessages::hello(m_user, m_password, m_device, client);
    hello.features = {QLatin1String(Feature::RequestFrames)};
    send(hello);
}

void Connection::scheduleReconnect(int delayMs)
{
    setState(State::WaitingToReconnect);
    m_reconnect.start(delayMs);
    qCInfo(lcConnection) << "reconnecting in" << delayMs << "ms";
}

void Connection::onDisconnected()
{
    m_heartbeat.stop();
    m_attemptDeadline.stop();
    m_replies.clear();
    m_pacer.clear();
    Q_EMIT socketClosed();
    if (!m_wanted) {
        setState(State::SignedOut);
        return;
    }
    if (m_state == State::WaitingToReconnect)
        return; // this attempt has failed already (timed out)
    const bool attemptFailing = m_state != State::Connected;
    if (attemptFailing && m_lastError.isEmpty())
        m_lastError = m_opened ? tr("the server closed the connection") : tr("could not connect");
    // 1001 on a connection this attempt opened: the server is restarting; come back at once, as
    // the protocol asks (another gateway, or the restarted one, takes us). Every other end, and
    // every attempt that never opened, backs off: QWebSocket keeps the last close code, so a
    // refused attempt after a 1001 still reads 1001 (which made a loop of thousands a second).
    const bool goingAway = m_opened && m_socket.closeCode() == QWebSocketProtocol::CloseCodeGoingAway;
    m_opened = false;
    scheduleReconnect(goingAway ? 0 : m_backoff.nextDelayMs());
    if (attemptFailing)
        Q_EMIT attemptFailed(m_lastError); // last: a handler may stop() us
}

void Connection::send(const ClientMessage &message)
{
    const QByteArray frame = ClientMessages::toFrame(message);
    switch (message.type) {
    case ClientMessageType::Heartbeat: // not counted by the request bucket
    case ClientMessageType::Hello:
    case ClientMessageType::Register:
    case ClientMessageType::Bye: // the socket closes right after
    case ClientMessageType::Logout:
        m_socket.sendTextMessage(QString::fromUtf8(frame));
        return;
    default:
        m_pacer.send(frame);
    }
}

void Connection::request(ClientMessage message, ReplyHandler handler)
{
    const int id = m_nextId++;
    message.id = id;
    if (handler)
        m_replies.insert(id, std::move(handler));
    send(message);
}

void Connection::onText(const QString &text)
{
    const std::optional<ServerMessage> read = ServerMessage::read(text.toUtf8());
    if (!read)
        return; // a message type this client does not know
    const ServerMessage &m = *read;
    if (m.id.isDouble()) {
        if (ReplyHandler handler = m_replies.take(m.id.toInt())) {
            handler(m);
            if (m.type != ServerMessageType::Sent) // the outbox hears of every `sent` too
                return;
        }
    }
    switch (m.type) {
    case ServerMessageType::Welcome:
        m_user = m.welcome.user;
        m_token = m.welcome.token;
        m_password.clear();
        m_createAccount = false;
        m_heartbeatMs = std::max(100, m.welcome.heartbeatIntervalMs > 0 ? m.welcome.heartbeatIntervalMs : 10000);
        m_pacer.setRate(m.welcome.limits.ratePerSecond, m.welcome.limits.rateBurst);
        m_backoff.reset();
        m_attemptDeadline.stop();
        m_lastError.clear();
        m_sinceAck.start();
        m_heartbeat.start(m_heartbeatMs);
        setState(State::Connected);
        if (m_activity == Activity::Idle)
            heartbeatTick();
        Q_EMIT welcomed(m.welcome);
        return;
    case ServerMessageType::HeartbeatAck:
        m_sinceAck.restart();
        return;
    case ServerMessageType::Error:
        if (m_state == State::SigningIn) {
            // The server closes with 4001; do not come back with the same credentials.
            m_wanted = false;
            m_token.clear();
            Q_EMIT signInFailed(m.error.code, m.error.message, m.error.retryAfterMs);
            return;
        }
        break;
    default:
        break;
    }
    Q_EMIT messageReceived(m);
}

void Connection::heartbeatTick()
{
    if (m_state != State::Connected)
        return;
    // Two intervals without an ack: the connection is dead even if the socket does not know.
    if (m_sinceAck.elapsed() > 2 * m_heartbeatMs) {
        qCWarning(lcConnection) << "no heartbeat_ack for" << m_sinceAck.elapsed() << "ms; reconnecting";
        m_socket.abort();
        return;
    }
    send(ClientMessages::heartbeat(m_activity));
}

void Connection::setActivity(Activity activity)
{
    if (m_activity == activity)
        return;
    m_activity = activity;
    heartbeatTick(); // a change is sent at once, not at the next interval
}

} // namespace presently
