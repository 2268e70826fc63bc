#include "session/ClientConnection.h"

#include "accounts/AccountStore.h"
#include "events/EventBus.h"
#include "session/Gateway.h"
#include "messages/MessageStore.h"
#include "accounts/PasswordHasher.h"
#include "presence/PresenceHub.h"
#include "presence/PresenceStore.h"
#include "protocol/ServerMessages.h"
#include "net/ServerWebSocket.h"

#include <QFuture>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QtConcurrent/QtConcurrentRun>

Q_LOGGING_CATEGORY(lcSession, "presently.session")

namespace presently {

namespace {
// A client that does not read its socket is cut off before the gateway buffers this much for it.
constexpr qint64 kMaxPendingWriteBytes = 4 * 1024 * 1024;

QString newSessionId()
{
    quint64 bits[2];
    QRandomGenerator::system()->fillRange(bits);
    return QStringLiteral("s-%1%2").arg(bits[0], 16, 16, QLatin1Char('0')).arg(bits[1], 16, 16, QLatin1Char('0'));
}
} // namespace

ClientConnection::ClientConnection(ServerWebSocket *socket, Gateway *gateway)
    : QObject(gateway)
    , m_socket(socket)
    , m_gateway(gateway)
    , m_parser(gateway->settings().limits)
    , m_requestBucket(gateway->settings().limits.rateBurst, gateway->settings().limits.ratePerSecond)
    , m_floodBucket(gateway->settings().limits.floodBurst, gateway->settings().limits.floodPerSecond)
{
    m_socket->setParent(this);
    m_socket->setReceiver(this);
    connect(m_socket, &ServerWebSocket::disconnected, this, &ClientConnection::onDisconnected);

    m_authTimer.setSingleShot(true);
    m_authTimer.setInterval(gateway->settings().authTimeoutMs);
    connect(&m_authTimer, &QTimer::timeout, this, [this] {
        if (m_state == State::AwaitingHello || m_state == State::Authenticating)
            close(CloseCode::Authentication, QStringLiteral("not signed in in time"));
    });
    m_authTimer.start();
}

ClientConnection::~ClientConnection()
{
    // The socket, a child, closes without a word (no disconnected) when it is deleted.
    m_socket->disconnect(this);
    m_socket->setReceiver(nullptr);
    for (const QString &user : std::as_const(m_watched))
        m_gateway->hub()->unwatch(this, user);
}

void ClientConnection::onFrame(const QByteArray &frame, bool binary)
{
    if (m_state == State::Closed)
        return;
    const qint64 now = m_gateway->presence()->nowMs();
    if (!m_floodBucket.take(now)) {
        close(CloseCode::Policy, QStringLiteral("too many frames"));
        return;
    }
    if (m_state == State::Live)
        m_gateway->presence()->touchSession(m_sessionId);

    ParseResult result;
    if (binary)
        result.error = {ErrorCode::BadJson, QStringLiteral("binary frames are not accepted"), {}};
    else
        result = m_parser.parse(frame);

    bool limited = false;
    const bool heartbeat = result.type == ClientMessageType::Heartbeat;
    if (!heartbeat)
        m_socket->noteInteractive();
    if (!m_firstFrame && !heartbeat)
        limited = !m_requestBucket.take(now);
    m_firstFrame = false;
    enqueue([this, result = std::move(result), limited] { handle(result, limited); });
}

void ClientConnection::drain()
{
    if (m_draining)
        return;
    m_draining = true;
    startTurnIfNew();
    while (!m_busy && !m_queue.empty() && m_state != State::Closed) {
        if (m_turnBudget == 0) {
            yieldTurn();
            break;
        }
        --m_turnBudget;
        const std::function<void()> task = std::move(m_queue.front());
        m_queue.pop_front();
        task();
    }
    m_draining = false;
}

void ClientConnection::startTurnIfNew()
{
    const quint64 turn = m_gateway->loopTurn();
    if (turn != m_turn) {
        m_turn = turn;
        m_turnBudget = kRequestsPerTurn;
    }
}

void ClientConnection::yieldTurn()
{
    if (m_turnYielded)
        return;
    m_turnYielded = true;
    // A posted call runs after what the loop has ready now (Qt delivers events posted while
    // delivering on its next round).
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_turnYielded = false;
            m_turnBudget = kRequestsPerTurn;
            drain();
        },
        Qt::QueuedConnection);
}

void ClientConnection::beginAsync()
{
    m_busy = true;
}

void ClientConnection::endAsync()
{
    m_busy = false;
    drain();
}

void ClientConnection::handle(const ParseResult &result, bool rateLimited)
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

void ClientConnection::handleBeforeWelcome(const ParseResult &r)
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
    authenticate(*r.message);
}

void ClientConnection::refuse(ErrorCode code, const QString &message, const QJsonValue &id)
{
    sendError(code, message, id);
    close(CloseCode::Authentication, message.left(100));
}

void ClientConnection::authenticate(const ClientMessage &m)
{
    m_state = State::Authenticating;
    AccountStore *accounts = m_gateway->accounts();
    const qint64 now = m_gateway->presence()->nowMs();
    const QJsonValue id = m.id;
    const QString device = m.device;

    if (m.type == ClientMessageType::Hello && !m.token.isEmpty()) {
        const std::optional<QString> user = accounts->userForToken(m.token, now);
        if (user)
            authenticated(*user, m.token, device);
        else if (accounts->failed())
            refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        else
            refuse(ErrorCode::AuthFailed, QStringLiteral("wrong user, password or token"), id);
        return;
    }

    beginAsync();
    const QString user = m.user;
    const QString password = m.password;
    if (m.type == ClientMessageType::Hello) {
        const std::optional<QByteArray> hash = accounts->passwordHash(user);
        QtConcurrent::run([hash, password] {
            if (!hash) {
                PasswordHasher::burnVerifyTime(password);
                return false;
            }
            return PasswordHasher::verify(*hash, password);
        }).then(this, [this, user, id, device](bool ok) {
            if (ok) {
                const QString token = m_gateway->accounts()->issueToken(user, m_gateway->presence()->nowMs());
                if (!token.isEmpty()) {
                    authenticated(user, token, device);
                } else {
                    refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
                }
            } else {
                refuse(ErrorCode::AuthFailed, QStringLiteral("wrong user, password or token"), id);
            }
            endAsync();
        });
        return;
    }

    if (accounts->userExists(user)) {
        refuse(ErrorCode::UserExists, QStringLiteral("user name is taken"), id);
        endAsync();
        return;
    }
    QtConcurrent::run([password] {
        return PasswordHasher::hash(password);
    }).then(this, [this, user, id, device](const QByteArray &hash) {
        AccountStore *store = m_gateway->accounts();
        const qint64 now = m_gateway->presence()->nowMs();
        const AccountStore::CreateResult created =
            hash.isEmpty() ? AccountStore::CreateResult::Failed : store->createUser(user, hash, now);
        if (created == AccountStore::CreateResult::Exists) {
            refuse(ErrorCode::UserExists, QStringLiteral("user name is taken"), id);
        } else if (created == AccountStore::CreateResult::Failed) {
            refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        } else {
            const QString token = store->issueToken(user, now);
            if (token.isEmpty())
                refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
            else
                authenticated(user, token, device);
        }
        endAsync();
    });
}

void ClientConnection::authenticated(const QString &user, const QString &token, const QString &device)
{
    m_authTimer.stop();
    m_state = State::Live;
    m_user = user;
    m_token = token;
    m_sessionId = newSessionId();
    // Live delivery starts after what is committed now; older messages come by `sync`.
    m_lastDeliveredMid = m_gateway->messages()->lastMid().value_or(0);
    PresenceStore *presence = m_gateway->presence();
    m_gateway->registerSession(this);
    presence->startSession({m_sessionId, user, device, Activity::Active, m_gateway->accounts()->status(user)});

    WelcomeInfo info;
    info.user = user;
    info.session = m_sessionId;
    info.server = m_gateway->settings().serverId;
    info.token = token;
    info.heartbeatIntervalMs = m_gateway->settings().heartbeatIntervalMs;
    info.presenceTtlMs = m_gateway->settings().presenceTtlMs;
    info.limits = m_gateway->settings().limits;
    info.ts = presence->nowMs();
    send(ServerMessages::welcome(info));
    qCInfo(lcSession) << "session" << m_sessionId << "of" << user << "from" << device;
    reloadContacts(true);
}

void ClientConnection::reloadContacts(bool autoWatchNew)
{
    AccountStore *accounts = m_gateway->accounts();
    const QStringList contactList = accounts->contacts(m_user);
    const QStringList requests = accounts->requestsTo(m_user);
    const QStringList pending = accounts->requestsFrom(m_user);
    // Extension: each contact entry carries both read marks, so a new device knows them.
    QHash<QString, QPair<qint64, qint64>> readMarks;
    for (const QString &contact : contactList) {
        readMarks.insert(contact, {m_gateway->messages()->readMark(m_user, contact),
                                   m_gateway->messages()->readMark(contact, m_user)});
    }
    const QSet<QString> contacts(contactList.cbegin(), contactList.cend());

    for (const QString &gone : m_contacts - contacts) {
        if (m_watched.remove(gone))
            m_gateway->hub()->unwatch(this, gone);
    }
    if (autoWatchNew) {
        for (const QString &added : contacts - m_contacts) {
            if (!m_watched.contains(added)) {
                m_watched.insert(added);
                m_gateway->hub()->watch(this, added);
            }
        }
    }
    m_contacts = contacts;

    beginAsync();
    m_gateway->hub()->current(contactList, [self = QPointer<ClientConnection>(this), requests, pending,
                                            readMarks](bool, const QList<UserPresence> &users) {
        if (!self)
            return;
        QJsonObject contacts = ServerMessages::contacts(self->m_gateway->visibleNow(users), requests, pending);
        QJsonArray entries = contacts.value(QStringLiteral("contacts")).toArray();
        for (qsizetype i = 0; i < entries.size(); ++i) {
            QJsonObject entry = entries.at(i).toObject();
            const auto marks = readMarks.value(entry.value(QStringLiteral("user")).toString());
            entry.insert(QStringLiteral("read_mid"), marks.first);
            entry.insert(QStringLiteral("peer_read_mid"), marks.second);
            entries[i] = entry;
        }
        contacts.insert(QStringLiteral("contacts"), entries);
        self->send(contacts);
        self->m_rosterSent = true;
        self->endAsync();
    });
}

void ClientConnection::presencePushed(const UserPresence &presence)
{
    if (m_state != State::Live || !m_rosterSent || !m_contacts.contains(presence.user))
        return;
    sendFrame(m_gateway->presenceFrame(presence));
}

void ClientConnection::handleLive(const ClientMessage &m)
{
    switch (m.type) {
    case ClientMessageType::Hello:
    case ClientMessageType::Register:
        sendError(ErrorCode::BadRequest, QStringLiteral("already signed in"), m.id);
        return;
    case ClientMessageType::Heartbeat:
        if (m.activity)
            m_gateway->presence()->setActivity(m_sessionId, *m.activity);
        if (m.id.isUndefined())
            sendFrame(ServerMessages::heartbeatAckFrame(m_gateway->presence()->nowMs()));
        else
            send(ServerMessages::heartbeatAck(m_gateway->presence()->nowMs(), m.id));
        return;
    case ClientMessageType::SetStatus:
        handleSetStatus(m);
        return;
    case ClientMessageType::Query:
    case ClientMessageType::Subscribe:
    case ClientMessageType::Unsubscribe:
        handlePresenceRequest(m);
        return;
    case ClientMessageType::ContactAdd:
    case ClientMessageType::ContactAccept:
    case ClientMessageType::ContactRemove:
        handleContactChange(m);
        return;
    case ClientMessageType::Send:
        handleSend(m);
        return;
    case ClientMessageType::History:
        handleHistory(m);
        return;
    case ClientMessageType::Sync:
        handleSync(m);
        return;
    case ClientMessageType::Read:
        handleRead(m);
        return;
    case ClientMessageType::Typing:
        handleTyping(m);
        return;
    case ClientMessageType::Bye:
        endSession(CloseCode::Normal, QStringLiteral("bye"));
        return;
    case ClientMessageType::Logout:
        m_gateway->accounts()->revokeToken(m_token);
        endSession(CloseCode::Normal, QStringLiteral("logged out"));
        return;
    }
}

void ClientConnection::handleSetStatus(const ClientMessage &m)
{
    AccountStore *accounts = m_gateway->accounts();
    if ((m.mode || m.text) && !accounts->setStatus(m_user, m.mode, m.text)) {
        sendError(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), m.id);
        return;
    }
    m_gateway->presence()->setMode(m_user, accounts->status(m_user));
    sendOk(m.id);
}

void ClientConnection::handlePresenceRequest(const ClientMessage &m)
{
    if (m.type == ClientMessageType::Unsubscribe) {
        for (const QString &user : m.users) {
            if (m_watched.remove(user))
                m_gateway->hub()->unwatch(this, user);
        }
        sendOk(m.id);
        return;
    }
    QStringList visible;
    for (const QString &user : m.users) {
        if (user == m_user || m_contacts.contains(user)) {
            visible.append(user);
            if (m.type == ClientMessageType::Subscribe && user != m_user && !m_watched.contains(user)) {
                m_watched.insert(user);
                m_gateway->hub()->watch(this, user);
            }
        }
    }
    const QStringList asked = m.users;
    const QJsonValue id = m.id;
    beginAsync();
    m_gateway->hub()->current(
        visible, [self = QPointer<ClientConnection>(this), asked, id](bool ok, const QList<UserPresence> &found) {
            if (!self)
                return;
            if (!ok) {
                self->sendError(ErrorCode::Unavailable, QStringLiteral("presence store unavailable"), id);
            } else {
                QHash<QString, UserPresence> byUser;
                for (const UserPresence &p : found)
                    byUser.insert(p.user, p);
                QList<UserPresence> answer;
                for (const QString &user : asked)
                    answer.append(byUser.value(user, UserPresence::unknown(user)));
                self->send(ServerMessages::presence(self->m_gateway->visibleNow(answer), id));
            }
            self->endAsync();
        });
}

void ClientConnection::handleContactChange(const ClientMessage &m)
{
    if (m.user == m_user) {
        sendError(ErrorCode::BadRequest, QStringLiteral("field 'user' must not be yourself"), m.id);
        return;
    }
    AccountStore *accounts = m_gateway->accounts();
    const qint64 now = m_gateway->presence()->nowMs();
    ContactChange change = ContactChange::Failed;
    if (m.type == ClientMessageType::ContactAdd)
        change = accounts->addContact(m_user, m.user, now);
    else if (m.type == ClientMessageType::ContactAccept)
        change = accounts->acceptContact(m_user, m.user, now);
    else
        change = accounts->removeContact(m_user, m.user);

    switch (change) {
    case ContactChange::NotFound:
        sendError(ErrorCode::NotFound,
                  m.type == ClientMessageType::ContactAccept ? QStringLiteral("no request from that user")
                                                             : QStringLiteral("no such user"),
                  m.id);
        return;
    case ContactChange::Failed:
        sendError(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), m.id);
        return;
    case ContactChange::Unchanged:
        sendOk(m.id);
        return;
    case ContactChange::Requested:
        m_gateway->bus()->publish(m.user, QJsonObject{{QStringLiteral("kind"), QStringLiteral("contact_request")},
                                                      {QStringLiteral("from"), m_user},
                                                      {QStringLiteral("ts"), now}});
        break;
    case ContactChange::Connected:
    case ContactChange::Removed:
        break;
    }
    // In effect before `ok`: this session's next frame sees the new contact set (no presence of a
    // removed contact, answered or pushed). Its own `contacts` push goes out now; the event tells
    // the users' other sessions, wherever they are, and this one skips it.
    reloadContacts(true);
    sendOk(m.id);
    const QJsonObject changed{{QStringLiteral("kind"), QStringLiteral("contacts")},
                              {QStringLiteral("session"), m_sessionId}};
    m_gateway->bus()->publish(m_user, changed);
    m_gateway->bus()->publish(m.user, changed);
}

void ClientConnection::handleUserEvent(const QJsonObject &event)
{
    enqueue([this, event] {
        if (m_state != State::Live)
            return;
        const QString kind = event.value(QStringLiteral("kind")).toString();
        if (kind == QLatin1String("contacts")) {
            if (event.value(QStringLiteral("session")).toString() != m_sessionId)
                reloadContacts(true);
        } else if (kind == QLatin1String("message")) {
            deliverUpTo(static_cast<qint64>(event.value(QStringLiteral("mid")).toDouble()));
        } else if (kind == QLatin1String("read")) {
            if (event.value(QStringLiteral("session")).toString() != m_sessionId) {
                send(ServerMessages::read(event.value(QStringLiteral("from")).toString(),
                                          event.value(QStringLiteral("with")).toString(),
                                          static_cast<qint64>(event.value(QStringLiteral("mid")).toDouble())));
            }
        } else if (kind == QLatin1String("typing")) {
            send(ServerMessages::typing(event.value(QStringLiteral("from")).toString(),
                                        event.value(QStringLiteral("state")).toBool()));
        } else if (kind == QLatin1String("contact_request")) {
            send(ServerMessages::contactRequest(event.value(QStringLiteral("from")).toString(),
                                                static_cast<qint64>(event.value(QStringLiteral("ts")).toDouble())));
        }
    });
}

void ClientConnection::handleSend(const ClientMessage &m)
{
    MessageStore *store = m_gateway->messages();
    // A resend of a known cid answers the original, whatever its body, and delivers nothing.
    if (const std::optional<StoredMessage> known = store->findByCid(m_user, m.cid)) {
        send(ServerMessages::sent(known->cid, known->mid, known->ts, m.id));
        return;
    }
    AccountStore *accounts = m_gateway->accounts();
    if (m.to != m_user && !accounts->userExists(m.to)) {
        sendError(accounts->failed() ? ErrorCode::Unavailable : ErrorCode::NotFound, QStringLiteral("no such user"),
                  m.id);
        return;
    }
    if (!accounts->areContacts(m_user, m.to)) {
        sendError(accounts->failed() ? ErrorCode::Unavailable : ErrorCode::Forbidden,
                  QStringLiteral("only contacts can message each other"), m.id);
        return;
    }
    // This connection's next requests wait for the commit, so that answers keep their order.
    beginAsync();
    store->send(m_user, m.to, m.cid, m.body, m_sessionId, m_gateway->presence()->nowMs(),
                [self = QPointer<ClientConnection>(this), bus = m_gateway->bus(), from = m_user, to = m.to,
                 id = m.id](const MessageStore::SendResult &result) {
                    if (self)
                        self->acknowledgeSend(result, id);
                    if (result.ok && result.created) {
                        // Stored: its recipient hears of it, even if its sender is gone meanwhile.
                        const QJsonObject event{{QStringLiteral("kind"), QStringLiteral("message")},
                                                {QStringLiteral("mid"), result.message.mid}};
                        bus->publish(to, event);
                        if (to != from)
                            bus->publish(from, event);
                    }
                    if (self)
                        self->endAsync();
                });
}

void ClientConnection::acknowledgeSend(const MessageStore::SendResult &result, const QJsonValue &id)
{
    if (m_state == State::Closed)
        return; // stored or not, the client resends by cid after reconnecting
    if (!result.ok) {
        sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable; send again"), id);
        return;
    }
    // Committed: only now is it acknowledged.
    send(ServerMessages::sent(result.message.cid, result.message.mid, result.message.ts, id));
}

void ClientConnection::deliverUpTo(qint64 mid)
{
    constexpr int kPage = 500;
    while (m_state == State::Live && mid > m_lastDeliveredMid) {
        const std::optional<MessagePage> page = m_gateway->messages()->forUser(m_user, m_lastDeliveredMid, mid, kPage);
        if (!page)
            return; // the store is failing: the next event or a catch-up tries again
        for (const StoredMessage &message : page->messages) {
            if (message.senderSession != m_sessionId)
                send(message.toJson());
            m_lastDeliveredMid = message.mid;
        }
        if (!page->more)
            break;
    }
}

void ClientConnection::sendMessagePage(const std::optional<MessagePage> &page, const QJsonValue &id)
{
    if (!page) {
        sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable"), id);
        return;
    }
    send(ServerMessages::messages({page->messages.cbegin(), page->messages.cend()}, page->more, id));
}

void ClientConnection::handleSync(const ClientMessage &m)
{
    sendMessagePage(m_gateway->messages()->forUser(m_user, m.after, std::numeric_limits<qint64>::max(), 500), m.id);
}

void ClientConnection::handleHistory(const ClientMessage &m)
{
    if (m.with != m_user && !m_gateway->accounts()->userExists(m.with)) {
        sendError(ErrorCode::NotFound, QStringLiteral("no such user"), m.id);
        return;
    }
    sendMessagePage(m_gateway->messages()->conversation(m_user, m.with, m.before.value_or(0), m.limit), m.id);
}

void ClientConnection::handleRead(const ClientMessage &m)
{
    if (m.with == m_user || !m_gateway->accounts()->userExists(m.with)) {
        sendError(ErrorCode::NotFound, QStringLiteral("no such conversation"), m.id);
        return;
    }
    const std::optional<bool> moved = m_gateway->messages()->markRead(m_user, m.with, m.mid);
    if (!moved) {
        sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable"), m.id);
        return;
    }
    sendOk(m.id);
    if (!*moved)
        return; // only forward: an older mark changes nothing
    const QJsonObject event{{QStringLiteral("kind"), QStringLiteral("read")},
                            {QStringLiteral("from"), m_user},
                            {QStringLiteral("with"), m.with},
                            {QStringLiteral("mid"), m.mid},
                            {QStringLiteral("session"), m_sessionId}};
    m_gateway->bus()->publish(m.with, event);
    m_gateway->bus()->publish(m_user, event);
}

void ClientConnection::handleTyping(const ClientMessage &m)
{
    if (!m_contacts.contains(m.to)) {
        sendError(ErrorCode::Forbidden, QStringLiteral("only contacts can see typing"), m.id);
        return;
    }
    // Relayed, never stored.
    m_gateway->bus()->publish(m.to, QJsonObject{{QStringLiteral("kind"), QStringLiteral("typing")},
                                                {QStringLiteral("from"), m_user},
                                                {QStringLiteral("state"), m.state}});
    sendOk(m.id);
}

void ClientConnection::endSession(quint16 closeCode, const QString &reason)
{
    if (m_state == State::Live && !m_sessionEnded) {
        m_sessionEnded = true;
        m_gateway->presence()->endSession(m_sessionId);
    }
    close(closeCode, reason);
}

void ClientConnection::expire()
{
    m_sessionEnded = true;
    close(CloseCode::PresenceTimeout, QStringLiteral("presence timed out"));
}

void ClientConnection::goAway()
{
    // The session is left as it is: the client reconnects within the TTL, or the TTL takes it.
    m_sessionEnded = true;
    close(CloseCode::GoingAway, QStringLiteral("server restarting"));
}

void ClientConnection::send(const QJsonObject &object)
{
    sendFrame(ServerMessages::toFrame(object));
}

void ClientConnection::sendFrame(const QByteArray &utf8)
{
    if (m_state == State::Closed)
        return;
    if (m_socket->bytesToWrite() > kMaxPendingWriteBytes) {
        qCWarning(lcSession) << "session" << m_sessionId << "does not read; closing";
        endSession(CloseCode::Policy, QStringLiteral("not reading"));
        return;
    }
    m_socket->sendText(utf8);
}

void ClientConnection::sendError(ErrorCode code, const QString &message, const QJsonValue &id)
{
    send(ServerMessages::error({code, message, id}));
}

void ClientConnection::sendOk(const QJsonValue &id)
{
    if (id.isString() || id.isDouble())
        send(ServerMessages::ok(id));
}

void ClientConnection::close(quint16 code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    const bool wasLive = m_state == State::Live;
    m_state = State::Closed;
    m_queue.clear();
    if (wasLive && !m_sessionEnded) {
        // The server ends the session itself (rate limit, and the like): offline at once.
        m_sessionEnded = true;
        m_gateway->presence()->endSession(m_sessionId);
    }
    // The socket reads (and drops) what comes until the client answers: closing with unread input
    // would make TCP send a reset, and the client might never read our close frame.
    m_socket->close(code, reason);
}

void ClientConnection::onDisconnected()
{
    if (m_state == State::Live && !m_sessionEnded && m_closeHandshake) {
        // The client closed cleanly: its device is offline at once.
        m_sessionEnded = true;
        m_gateway->presence()->endSession(m_sessionId);
    }
    // Without a close handshake the socket died: the session stays until its TTL runs out.
    m_state = State::Closed;
    m_queue.clear();
    m_gateway->unregisterSession(this);
    deleteLater();
}

} // namespace presently
