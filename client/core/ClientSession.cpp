#include "core/ClientSession.h"

#include "protocol/ClientMessage.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUuid>

Q_LOGGING_CATEGORY(lcClient, "presently.client")

namespace presently {

namespace {
QJsonObject frame(ClientMessageType type)
{
    return QJsonObject{{QStringLiteral("type"), clientMessageTypeName(type)}};
}

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
        sendFrame(frame(logout ? ClientMessageType::Logout : ClientMessageType::Bye));
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
    QJsonObject hello =
        frame(m_token.isEmpty() && m_createAccount ? ClientMessageType::Register : ClientMessageType::Hello);
    hello.insert(QStringLiteral("v"), kProtocolVersion);
    hello.insert(QStringLiteral("device"), m_device);
    hello.insert(QStringLiteral("client"), QStringLiteral("presently/") + QStringLiteral(PRESENTLY_VERSION));
    if (!m_token.isEmpty()) {
        hello.insert(QStringLiteral("token"), m_token);
    } else {
        hello.insert(QStringLiteral("user"), m_user);
        hello.insert(QStringLiteral("password"), m_password);
    }
    sendFrame(hello);
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

void ClientSession::sendFrame(const QJsonObject &object)
{
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)));
}

void ClientSession::request(QJsonObject object, ReplyHandler handler)
{
    const int id = m_nextId++;
    object.insert(QStringLiteral("id"), id);
    if (handler)
        m_replies.insert(id, std::move(handler));
    sendFrame(object);
}

void ClientSession::onText(const QString &text)
{
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = o.value(QStringLiteral("type")).toString();
    const QJsonValue id = o.value(QStringLiteral("id"));
    if (id.isDouble()) {
        if (ReplyHandler handler = m_replies.take(id.toInt())) {
            handler(o);
            if (type != QLatin1String("sent"))
                return;
        }
    }
    if (type == QLatin1String("welcome")) {
        onWelcome(o);
    } else if (type == QLatin1String("contacts")) {
        onContacts(o);
    } else if (type == QLatin1String("presence")) {
        for (const QJsonValue &v : o.value(QStringLiteral("users")).toArray())
            onPresence(UserPresence::fromJson(v.toObject()));
    } else if (type == QLatin1String("heartbeat_ack")) {
        m_sinceAck.restart();
    } else if (type == QLatin1String("message")) {
        onMessage(ChatMessage::fromJson(o));
    } else if (type == QLatin1String("sent")) {
        onSent(o);
    } else if (type == QLatin1String("read")) {
        onRead(o);
    } else if (type == QLatin1String("typing")) {
        onTyping(o.value(QStringLiteral("from")).toString(), o.value(QStringLiteral("state")).toBool());
    } else if (type == QLatin1String("contact_request")) {
        Q_EMIT contactRequestReceived(o.value(QStringLiteral("from")).toString());
    } else if (type == QLatin1String("error")) {
        const QString code = o.value(QStringLiteral("code")).toString();
        const QString message = o.value(QStringLiteral("message")).toString();
        if (m_state == State::SigningIn) {
            // The server closes with 4001; do not come back with the same credentials.
            m_wanted = false;
            m_token.clear();
            Q_EMIT signInFailed(code, message);
        } else {
            Q_EMIT errorReceived(code, message);
        }
    }
}

void ClientSession::onWelcome(const QJsonObject &welcome)
{
    m_user = welcome.value(QStringLiteral("user")).toString();
    m_token = welcome.value(QStringLiteral("token")).toString();
    m_password.clear();
    m_createAccount = false;
    m_heartbeatMs = std::max(100, welcome.value(QStringLiteral("heartbeat_interval")).toInt(10000));
    m_backoff.reset();
    m_sinceAck.start();
    m_heartbeat.start(m_heartbeatMs);
    setState(State::Connected);
    if (m_activity == Activity::Idle)
        heartbeatTick();
    // Our own mode is shown to us the way others see it.
    request(
        QJsonObject{{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), QJsonArray{m_user}}},
        [this](const QJsonObject &reply) {
            for (const QJsonValue &v : reply.value(QStringLiteral("users")).toArray())
                onPresence(UserPresence::fromJson(v.toObject()));
        });
    syncFrom(m_outbox->lastMid());
    Q_EMIT signedIn(m_user);
}

void ClientSession::syncFrom(qint64 after)
{
    request(QJsonObject{{QStringLiteral("type"), QStringLiteral("sync")}, {QStringLiteral("after"), after}},
            [this](const QJsonObject &reply) {
                const QJsonArray messages = reply.value(QStringLiteral("messages")).toArray();
                for (const QJsonValue &v : messages)
                    onMessage(ChatMessage::fromJson(v.toObject()));
                if (reply.value(QStringLiteral("more")).toBool() && !messages.isEmpty()) {
                    syncFrom(static_cast<qint64>(messages.last().toObject().value(QStringLiteral("mid")).toDouble()));
                    return;
                }
                // Caught up: now send whatever was typed while away, in order.
                resendOutbox();
            });
}

void ClientSession::resendOutbox()
{
    for (const Outbox::Pending &p : m_outbox->pending()) {
        sendFrame(QJsonObject{{QStringLiteral("type"), QStringLiteral("send")},
                              {QStringLiteral("to"), p.to},
                              {QStringLiteral("cid"), p.cid},
                              {QStringLiteral("body"), p.body}});
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
    sendFrame(QJsonObject{{QStringLiteral("type"), QStringLiteral("heartbeat")},
                          {QStringLiteral("status"), activityName(m_activity)}});
}

void ClientSession::setActivity(Activity activity)
{
    if (m_activity == activity)
        return;
    m_activity = activity;
    heartbeatTick(); // a change is sent at once, not at the next interval
}

void ClientSession::onContacts(const QJsonObject &o)
{
    QList<UserPresence> contacts;
    for (const QJsonValue &v : o.value(QStringLiteral("contacts")).toArray()) {
        const QJsonObject entry = v.toObject();
        const UserPresence p = UserPresence::fromJson(entry);
        contacts.append(p);
        m_readMids.insert(p.user, static_cast<qint64>(entry.value(QStringLiteral("read_mid")).toDouble()));
        conversation(p.user)->setPeerReadMid(
            static_cast<qint64>(entry.value(QStringLiteral("peer_read_mid")).toDouble()));
    }
    m_contacts->setContacts(contacts);
    m_requests.clear();
    for (const QJsonValue &v : o.value(QStringLiteral("requests")).toArray())
        m_requests.append(v.toString());
    m_pending.clear();
    for (const QJsonValue &v : o.value(QStringLiteral("pending")).toArray())
        m_pending.append(v.toString());
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

void ClientSession::onSent(const QJsonObject &sent)
{
    const QString cid = sent.value(QStringLiteral("cid")).toString();
    const qint64 mid = static_cast<qint64>(sent.value(QStringLiteral("mid")).toDouble());
    QString to;
    for (const Outbox::Pending &p : m_outbox->pending()) {
        if (p.cid == cid)
            to = p.to;
    }
    m_outbox->acknowledge(cid);
    m_outbox->noteMid(mid);
    if (!to.isEmpty())
        conversation(to)->markSent(cid, mid, static_cast<qint64>(sent.value(QStringLiteral("ts")).toDouble()));
}

void ClientSession::onRead(const QJsonObject &read)
{
    const QString from = read.value(QStringLiteral("from")).toString();
    const QString with = read.value(QStringLiteral("with")).toString();
    const qint64 mid = static_cast<qint64>(read.value(QStringLiteral("mid")).toDouble());
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
    QJsonObject o = frame(ClientMessageType::SetStatus);
    if (mode)
        o.insert(QStringLiteral("mode"), modeName(*mode));
    if (text)
        o.insert(QStringLiteral("text"), *text);
    request(o, [this](const QJsonObject &) {
        request(QJsonObject{{QStringLiteral("type"), QStringLiteral("query")},
                            {QStringLiteral("users"), QJsonArray{m_user}}},
                [this](const QJsonObject &reply) {
                    for (const QJsonValue &v : reply.value(QStringLiteral("users")).toArray())
                        onPresence(UserPresence::fromJson(v.toObject()));
                });
    });
}

QString ClientSession::sendMessage(const QString &to, const QString &body)
{
    const QString cid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const qint64 created = nowMs();
    m_outbox->add({cid, to, body, created}); // on disk before it goes anywhere
    conversation(to)->addPending(cid, body, created);
    if (m_state == State::Connected) {
        sendFrame(QJsonObject{{QStringLiteral("type"), QStringLiteral("send")},
                              {QStringLiteral("to"), to},
                              {QStringLiteral("cid"), cid},
                              {QStringLiteral("body"), body}});
    }
    return cid;
}

void ClientSession::loadOlder(const QString &peer)
{
    ConversationModel *model = conversation(peer);
    if (!model->hasMoreHistory() || m_state != State::Connected)
        return;
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("history")},
                  {QStringLiteral("with"), peer},
                  {QStringLiteral("limit"), 50}};
    if (model->oldestMid() > 0)
        o.insert(QStringLiteral("before"), model->oldestMid());
    request(o, [this, peer](const QJsonObject &reply) {
        ConversationModel *model = conversation(peer);
        for (const QJsonValue &v : reply.value(QStringLiteral("messages")).toArray())
            model->addMessage(ChatMessage::fromJson(v.toObject()));
        model->setMoreHistory(reply.value(QStringLiteral("more")).toBool());
    });
}

void ClientSession::markRead(const QString &peer)
{
    const qint64 newest = conversation(peer)->newestMid();
    m_contacts->setUnread(peer, 0);
    if (newest <= m_readMids.value(peer) || m_state != State::Connected)
        return;
    m_readMids[peer] = newest;
    sendFrame(QJsonObject{{QStringLiteral("type"), QStringLiteral("read")},
                          {QStringLiteral("with"), peer},
                          {QStringLiteral("mid"), newest}});
}

void ClientSession::setTyping(const QString &to, bool typing)
{
    if (m_state == State::Connected)
        sendFrame(QJsonObject{{QStringLiteral("type"), QStringLiteral("typing")},
                              {QStringLiteral("to"), to},
                              {QStringLiteral("state"), typing}});
}

void ClientSession::addContact(const QString &user)
{
    request(QJsonObject{{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), user}},
            [this](const QJsonObject &reply) {
                if (reply.value(QStringLiteral("type")).toString() == QLatin1String("error"))
                    Q_EMIT errorReceived(reply.value(QStringLiteral("code")).toString(),
                                         reply.value(QStringLiteral("message")).toString());
            });
}

void ClientSession::acceptContact(const QString &user)
{
    request(QJsonObject{{QStringLiteral("type"), QStringLiteral("contact_accept")}, {QStringLiteral("user"), user}},
            {});
}

void ClientSession::removeContact(const QString &user)
{
    request(QJsonObject{{QStringLiteral("type"), QStringLiteral("contact_remove")}, {QStringLiteral("user"), user}},
            {});
}

} // namespace presently
