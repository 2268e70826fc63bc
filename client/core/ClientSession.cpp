#include "core/ClientSession.h"

#include "protocol/ClientMessages.h"
#include "protocol/ServerMessage.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QUuid>

Q_LOGGING_CATEGORY(lcClient, "presently.client")

namespace presently {

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

ClientSession::ClientSession(const QString &dataDirectory, QObject *parent)
    : QObject(parent)
    , m_dataDirectory(dataDirectory)
    , m_contacts(new ContactListModel(this))
{
    connect(&m_socket, &QWebSocket::connected, this, &ClientSession::onConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &ClientSession::onDisconnected);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &ClientSession::onText);
    m_heartbeat.setTimerType(Qt::PreciseTimer);
    connect(&m_heartbeat, &QTimer::timeout, this, &ClientSession::heartbeatTick);
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &ClientSession::connectNow);
    m_flush.setInterval(2000);
    connect(&m_flush, &QTimer::timeout, this, [this] {
        if (m_outbox)
            m_outbox->flush();
    });
    m_flush.start();
}

ClientSession::~ClientSession()
{
    if (m_outbox)
        m_outbox->flush();
    m_socket.disconnect(this);
    m_socket.abort();
}

void ClientSession::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

int ClientSession::msUntilReconnect() const
{
    if (m_state != State::WaitingToReconnect || !m_reconnect.isActive())
        return 0;
    return m_reconnect.remainingTime();
}

void ClientSession::signIn(const QUrl &server, const QString &user, const QString &password, bool createAccount)
{
    m_server = server;
    m_user = user.toLower();
    m_password = password;
    m_token.clear();
    m_createAccount = createAccount;
    m_wanted = true;
    m_backoff.reset();
    connectNow();
}

void ClientSession::resume(const QUrl &server, const QString &user, const QString &token)
{
    m_server = server;
    m_user = user.toLower();
    m_token = token;
    m_password.clear();
    m_wanted = true;
    m_backoff.reset();
    connectNow();
}

void ClientSession::signOut(bool logout)
{
    m_wanted = false;
    m_reconnect.stop();
    m_heartbeat.stop();
    if (m_state == State::Connected)
        sendFrame(logout ? ClientMessages::logout() : ClientMessages::bye());
    if (logout)
        m_token.clear();
    m_socket.close();
    setState(State::SignedOut);
}

void ClientSession::dropConnection()
{
    m_socket.abort();
}

void ClientSession::connectNow()
{
    if (!m_wanted)
        return;
    if (!m_outbox || m_outboxUser != m_user) {
        // Each user of a profile has their own outbox.
        m_outbox = std::make_unique<Outbox>(m_dataDirectory + QLatin1Char('/') + m_user);
        m_outboxUser = m_user;
    }
    setState(State::Connecting);
    m_socket.abort();
    m_socket.open(m_server);
}

void ClientSession::onConnected()
{
    setState(State::SigningIn);
    const QString client = QStringLiteral("presently/") + QStringLiteral(PRESENTLY_VERSION);
    if (!m_token.isEmpty())
        sendFrame(ClientMessages::helloWithToken(m_token, m_device, client));
    else if (m_createAccount)
        sendFrame(ClientMessages::registerUser(m_user, m_password, m_device, client));
    else
        sendFrame(ClientMessages::hello(m_user, m_password, m_device, client));
}

void ClientSession::scheduleReconnect(int delayMs)
{
    setState(State::WaitingToReconnect);
    m_reconnect.start(delayMs);
    qCInfo(lcClient) << "reconnecting in" << delayMs << "ms";
}

void ClientSession::onDisconnected()
{
    m_heartbeat.stop();
    m_replies.clear();
    if (!m_wanted) {
        setState(State::SignedOut);
        return;
    }
    // 1001: the server is restarting; come back at once (another gateway takes us).
    const bool goingAway = m_socket.closeCode() == QWebSocketProtocol::CloseCodeGoingAway;
    scheduleReconnect(goingAway ? 0 : m_backoff.nextDelayMs());
}

void ClientSession::sendFrame(const ClientMessage &message)
{
    m_socket.sendTextMessage(QString::fromUtf8(ClientMessages::toFrame(message)));
}

void ClientSession::request(ClientMessage message, ReplyHandler handler)
{
    const int id = m_nextId++;
    message.id = id;
    if (handler)
        m_replies.insert(id, std::move(handler));
    sendFrame(message);
}

void ClientSession::onText(const QString &text)
{
    const std::optional<ServerMessage> read = ServerMessage::read(text.toUtf8());
    if (!read)
        return; // a message type this client does not know
    const ServerMessage &m = *read;
    if (m.id.isDouble()) {
        if (ReplyHandler handler = m_replies.take(m.id.toInt())) {
            handler(m);
            if (m.type != ServerMessageType::Sent)
                return;
        }
    }
    switch (m.type) {
    case ServerMessageType::Welcome:
        onWelcome(m.welcome);
        break;
    case ServerMessageType::Contacts:
        onContacts(m);
        break;
    case ServerMessageType::Presence:
        for (const UserPresence &p : m.users)
            onPresence(p);
        break;
    case ServerMessageType::HeartbeatAck:
        m_sinceAck.restart();
        break;
    case ServerMessageType::Message:
        for (const ChatMessage &message : m.messages)
            onMessage(message);
        break;
    case ServerMessageType::Sent:
        onSent(m);
        break;
    case ServerMessageType::Read:
        onRead(m);
        break;
    case ServerMessageType::Typing:
        onTyping(m.from, m.state);
        break;
    case ServerMessageType::ContactRequest:
        Q_EMIT contactRequestReceived(m.from);
        break;
    case ServerMessageType::Error:
        if (m_state == State::SigningIn) {
            // The server closes with 4001; do not come back with the same credentials.
            m_wanted = false;
            m_token.clear();
            Q_EMIT signInFailed(m.error.code, m.error.message);
        } else {
            Q_EMIT errorReceived(m.error.code, m.error.message);
        }
        break;
    case ServerMessageType::Ok:
    case ServerMessageType::Messages:
        break; // replies, taken by their request above
    }
}

void ClientSession::onWelcome(const WelcomeInfo &welcome)
{
    m_user = welcome.user;
    m_token = welcome.token;
    m_password.clear();
    m_createAccount = false;
    m_heartbeatMs = std::max(100, welcome.heartbeatIntervalMs > 0 ? welcome.heartbeatIntervalMs : 10000);
    m_backoff.reset();
    m_sinceAck.start();
    m_heartbeat.start(m_heartbeatMs);
    setState(State::Connected);
    if (m_activity == Activity::Idle)
        heartbeatTick();
    queryOwnPresence(); // our own mode is shown to us the way others see it
    syncFrom(m_outbox->lastMid());
    Q_EMIT signedIn(m_user);
}

void ClientSession::queryOwnPresence()
{
    request(ClientMessages::query({m_user}), [this](const ServerMessage &reply) {
        for (const UserPresence &p : reply.users)
            onPresence(p);
    });
}

void ClientSession::syncFrom(qint64 after)
{
    request(ClientMessages::sync(after), [this](const ServerMessage &reply) {
                for (const ChatMessage &message : reply.messages)
                    onMessage(message);
                if (reply.more && !reply.messages.isEmpty()) {
                    syncFrom(reply.messages.last().mid);
                    return;
                }
                // Caught up: now send whatever was typed while away, in order.
                resendOutbox();
            });
}

void ClientSession::resendOutbox()
{
    for (const Outbox::Pending &p : m_outbox->pending()) {
        sendFrame(ClientMessages::send(p.to, p.cid, p.body));
    }
}

void ClientSession::heartbeatTick()
{
    if (m_state != State::Connected)
        return;
    // Two intervals without an ack: the connection is dead even if the socket does not know.
    if (m_sinceAck.elapsed() > 2 * m_heartbeatMs) {
        qCWarning(lcClient) << "no heartbeat_ack for" << m_sinceAck.elapsed() << "ms; reconnecting";
        m_socket.abort();
        return;
    }
    sendFrame(ClientMessages::heartbeat(m_activity));
}

void ClientSession::setActivity(Activity activity)
{
    if (m_activity == activity)
        return;
    m_activity = activity;
    heartbeatTick(); // a change is sent at once, not at the next interval
}

void ClientSession::onContacts(const ServerMessage &m)
{
    for (const UserPresence &p : m.users) {
        const auto marks = m.readMarks.value(p.user);
        m_readMids.insert(p.user, marks.first);
        conversation(p.user)->setPeerReadMid(marks.second);
    }
    m_contacts->setContacts(m.users);
    m_requests = m.requests;
    m_pending = m.pending;
    Q_EMIT rosterChanged();
}

void ClientSession::onPresence(const UserPresence &presence)
{
    if (presence.user == m_user) {
        m_ownStatus = presence.status;
        m_ownText = presence.text;
        if (presence.status == Status::Dnd)
            m_ownMode = Mode::Dnd;
        else if (presence.status == Status::Offline && m_state == State::Connected)
            m_ownMode = Mode::Invisible;
        else
            m_ownMode = Mode::Auto;
        Q_EMIT ownStatusChanged();
        return;
    }
    m_contacts->applyPresence(presence);
}

ConversationModel *ClientSession::conversation(const QString &peer)
{
    ConversationModel *&model = m_conversations[peer];
    if (!model)
        model = new ConversationModel(m_user, peer, this);
    return model;
}

void ClientSession::onMessage(const ChatMessage &message)
{
    m_outbox->noteMid(message.mid);
    const QString peer = message.from == m_user ? message.to : message.from;
    if (!conversation(peer)->addMessage(message))
        return; // seen already (live and sync may both bring it)
    if (message.from == m_user)
        return;
    if (peer != m_visiblePeer && message.mid > m_readMids.value(peer))
        m_contacts->addUnread(peer);
    Q_EMIT messageReceived(message);
    onTyping(peer, false);
}

void ClientSession::onSent(const ServerMessage &sent)
{
    const QString &cid = sent.cid;
    const qint64 mid = sent.mid;
    QString to;
    for (const Outbox::Pending &p : m_outbox->pending()) {
        if (p.cid == cid)
            to = p.to;
    }
    m_outbox->acknowledge(cid);
    m_outbox->noteMid(mid);
    if (!to.isEmpty())
        conversation(to)->markSent(cid, mid, sent.ts);
}

void ClientSession::onRead(const ServerMessage &read)
{
    const QString &from = read.from;
    const QString &with = read.with;
    const qint64 mid = read.mid;
    if (from == m_user) { // read on another device of ours
        m_readMids[with] = std::max(m_readMids.value(with), mid);
        m_contacts->setUnread(with, 0);
    } else {
        conversation(from)->setPeerReadMid(mid);
    }
}

void ClientSession::onTyping(const QString &from, bool state)
{
    QTimer *&timer = m_typingTimers[from];
    if (!timer) {
        timer = new QTimer(this);
        timer->setSingleShot(true);
        timer->setInterval(6000); // the protocol: a typing state lapses after 6 s without a repeat
        connect(timer, &QTimer::timeout, this, [this, from] { Q_EMIT typingChanged(from, false); });
    }
    const bool was = timer->isActive();
    if (state)
        timer->start();
    else
        timer->stop();
    if (was != state)
        Q_EMIT typingChanged(from, state);
}

void ClientSession::setStatus(std::optional<Mode> mode, std::optional<QString> text)
{
    request(ClientMessages::setStatus(mode, std::move(text)), [this](const ServerMessage &) { queryOwnPresence(); });
}

QString ClientSession::sendMessage(const QString &to, const QString &body)
{
    const QString cid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const qint64 created = nowMs();
    m_outbox->add({cid, to, body, created}); // on disk before it goes anywhere
    conversation(to)->addPending(cid, body, created);
    if (m_state == State::Connected) {
        sendFrame(ClientMessages::send(to, cid, body));
    }
    return cid;
}

void ClientSession::loadOlder(const QString &peer)
{
    ConversationModel *model = conversation(peer);
    if (!model->hasMoreHistory() || m_state != State::Connected)
        return;
    const std::optional<qint64> before =
        model->oldestMid() > 0 ? std::optional<qint64>(model->oldestMid()) : std::nullopt;
    request(ClientMessages::history(peer, before, 50), [this, peer](const ServerMessage &reply) {
        ConversationModel *model = conversation(peer);
        for (const ChatMessage &message : reply.messages)
            model->addMessage(message);
        model->setMoreHistory(reply.more);
    });
}

void ClientSession::markRead(const QString &peer)
{
    const qint64 newest = conversation(peer)->newestMid();
    m_contacts->setUnread(peer, 0);
    if (newest <= m_readMids.value(peer) || m_state != State::Connected)
        return;
    m_readMids[peer] = newest;
    sendFrame(ClientMessages::read(peer, newest));
}

void ClientSession::setTyping(const QString &to, bool typing)
{
    if (m_state == State::Connected)
        sendFrame(ClientMessages::typing(to, typing));
}

void ClientSession::addContact(const QString &user)
{
    request(ClientMessages::contactAdd(user), [this](const ServerMessage &reply) {
        if (reply.type == ServerMessageType::Error)
            Q_EMIT errorReceived(reply.error.code, reply.error.message);
    });
}

void ClientSession::acceptContact(const QString &user)
{
    request(ClientMessages::contactAccept(user), {});
}

void ClientSession::removeContact(const QString &user)
{
    request(ClientMessages::contactRemove(user), {});
}

} // namespace presently
