#include "core/ClientSession.h"

#include "core/ErrorText.h"
#include "protocol/ClientMessages.h"
#include "protocol/ServerMessage.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUuid>

Q_LOGGING_CATEGORY(lcClientSession, "presently.session")

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
    connect(&m_connection, &Connection::stateChanged, this, &ClientSession::stateChanged);
    connect(&m_connection, &Connection::welcomed, this, &ClientSession::onWelcome);
    connect(&m_connection, &Connection::signInFailed, this, &ClientSession::signInFailed);
    connect(&m_connection, &Connection::attemptFailed, this, &ClientSession::connectionFailed);
    connect(&m_connection, &Connection::socketClosed, this, &ClientSession::socketClosed);
    connect(&m_connection, &Connection::stateChanged, this, [this](Connection::State state) {
        // While not connected nothing we show is live: contacts' dots are marked stale, ours is off.
        m_contacts->setStale(state != State::Connected);
        Q_EMIT ownStatusChanged();
    });
    connect(&m_connection, &Connection::messageReceived, this, &ClientSession::onMessageReceived);
    m_flush.setInterval(2000);
    connect(&m_flush, &QTimer::timeout, this, &ClientSession::saveLocalState);
    m_flush.start();
}

ClientSession::~ClientSession()
{
    saveLocalState();
}

void ClientSession::saveLocalState()
{
    if (m_outbox)
        m_outbox->flush();
    if (!m_local)
        return;
    // One pass over the roster: each row's unread count and preview.
    QHash<QString, LocalState::Unread> unread;
    QHash<QString, LocalState::Preview> previews;
    for (int row = 0; row < m_contacts->rowCount(); ++row) {
        const QModelIndex index = m_contacts->index(row);
        const QString peer = index.data(ContactListModel::UserRole).toString();
        const int count = index.data(ContactListModel::UnreadRole).toInt();
        if (count > 0) {
            const ConversationModel *chat = m_conversations.value(peer);
            unread.insert(peer, {count, std::max(m_unreadNewest.value(peer), chat ? chat->newestMid() : 0)});
        }
        const qint64 ts = index.data(ContactListModel::LastActivityRole).toLongLong();
        if (ts > 0)
            previews.insert(peer, {index.data(ContactListModel::PreviewRole).toString(), ts});
    }
    m_local->setUnread(unread);
    if (m_contacts->rowCount() > 0) // not before the roster is here: that would forget them all
        m_local->setPreviews(previews);
    m_local->flush();
}

void ClientSession::restoreUnread()
{
    for (auto it = m_unreadToRestore.cbegin(); it != m_unreadToRestore.cend(); ++it) {
        if (!m_contacts->contains(it.key()) || m_readMids.value(it.key()) >= it.value().newestMid)
            continue; // no longer a contact, or read on another device meanwhile
        m_contacts->addUnread(it.key(), it.value().count);
        m_unreadNewest.insert(it.key(), it.value().newestMid);
    }
    m_unreadToRestore.clear();
}

QString ClientSession::draft(const QString &peer) const
{
    return m_local ? m_local->draft(peer) : QString();
}

void ClientSession::setDraft(const QString &peer, const QString &text)
{
    if (m_local)
        m_local->setDraft(peer, text);
}

Status ClientSession::displayedOwnStatus() const
{
    // What contacts see, as the server pushes it (another device of ours may keep us online while
    // this one idles); nothing while we cannot know it.
    return state() == State::Connected ? m_ownStatus : Status::Offline;
}

QString ClientSession::accountKey(const QUrl &server, const QString &user)
{
    // One folder per server and user: bob on one server is not bob on another. The host as the
    // URL gives it, and the port (the scheme's default when none is given).
    const int port = server.port(server.scheme() == QLatin1String("wss") ? 443 : 80);
    QString host = server.host().toLower();
    host.replace(QLatin1Char(':'), QLatin1Char('_')); // IPv6
    return QStringLiteral("%1_%2/%3").arg(host).arg(port).arg(user.toLower());
}

QString ClientSession::privateFolder(const QString &account)
{
    // Drafts, unsent messages and previews: this user's only. Each level made here is 0700.
    QString path = m_dataDirectory;
    const QFile::Permissions owner = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
    QDir().mkpath(path);
    QFile::setPermissions(path, owner);
    for (const QString &part : account.split(QLatin1Char('/'))) {
        path += QLatin1Char('/') + part;
        QDir().mkpath(path);
        QFile::setPermissions(path, owner);
    }
    return path;
}

void ClientSession::openOutbox(const QString &user)
{
    const QString account = accountKey(m_connection.server(), user);
    if (m_outbox && m_outboxAccount == account)
        return;
    // Before folders were per server, a user's folder sat in the data folder itself: it goes to
    // the server signed in to now (the one it was most likely typed for), once.
    const QString legacy = m_dataDirectory + QLatin1Char('/') + user.toLower();
    const QString folder = m_dataDirectory + QLatin1Char('/') + account;
    if (QFileInfo::exists(legacy + QStringLiteral("/outbox.json")) && !QFileInfo::exists(folder)) {
        QDir().mkpath(QFileInfo(folder).absolutePath());
        QDir().rename(legacy, folder);
    }
    privateFolder(account);
    m_outbox = std::make_unique<Outbox>(folder);
    m_local = std::make_unique<LocalState>(folder);
    m_unreadToRestore = m_local->unread();
    const QHash<QString, LocalState::Preview> previews = m_local->previews();
    for (auto it = previews.cbegin(); it != previews.cend(); ++it)
        m_contacts->setLastMessage(it.key(), it.value().text, it.value().tsMs);
    m_outboxAccount = account;
    // What was typed before (a restart, no network) shows as pending until it is sent.
    for (const Outbox::Pending &p : m_outbox->pending())
        conversation(p.to)->addPending(p.cid, p.body, p.createdMs);
}

void ClientSession::signIn(const QUrl &server, const QString &user, const QString &password, bool createAccount,
                           const QString &invite)
{
    switchAccount(server, user);
    m_connection.signIn(server, user, password, createAccount, invite); // connects later: nothing arrives yet
    openOutbox(user); // after: its pending messages are shown as this user's
}

void ClientSession::resume(const QUrl &server, const QString &user, const QString &token)
{
    switchAccount(server, user);
    m_connection.resume(server, user, token);
    openOutbox(user);
}

void ClientSession::switchAccount(const QUrl &server, const QString &user)
{
    const QString account = accountKey(server, user);
    if (!m_account.isEmpty() && m_account != account)
        clearAccount();
    m_account = account;
}

void ClientSession::signOut(bool logout)
{
    m_connection.stop(logout);
    clearAccount();
}

namespace {
// A reply handler that tells `done` the error, or nothing for `ok`.
Connection::ReplyHandler okOrError(std::function<void(std::optional<ProtocolError>)> done)
{
    return [done = std::move(done)](const ServerMessage &reply) {
        if (reply.type == ServerMessageType::Ok)
            done(std::nullopt);
        else
            done(reply.error);
    };
}
} // namespace

void ClientSession::signOutEverywhere(std::function<void(std::optional<ProtocolError>)> done)
{
    m_connection.request(ClientMessages::logoutAll(), okOrError(std::move(done)));
}

void ClientSession::changePassword(const QString &oldPassword, const QString &newPassword,
                                   std::function<void(std::optional<ProtocolError>)> done)
{
    m_connection.request(ClientMessages::changePassword(oldPassword, newPassword), okOrError(std::move(done)));
}

void ClientSession::clearAccount()
{
    Q_EMIT accountCleared();
    saveLocalState(); // outbox, drafts and unread counts kept on disk for this user's next sign-in
    qDeleteAll(m_conversations);
    m_conversations.clear();
    qDeleteAll(m_typingTimers);
    m_typingTimers.clear();
    m_readMids.clear();
    m_heldReads.clear();
    m_requests.clear();
    m_pending.clear();
    m_blocked.clear();
    m_visiblePeer.clear();
    m_contacts->clear(); // unread counts and previews go with the rows
    m_ownStatus = Status::Offline;
    m_ownMode = Mode::Auto;
    m_ownText.clear();
    m_outbox.reset();
    m_local.reset();
    m_unreadToRestore.clear();
    m_unreadNewest.clear();
    m_outboxAccount.clear();
    m_account.clear();
    Q_EMIT rosterChanged();
    Q_EMIT ownStatusChanged();
}

void ClientSession::onMessageReceived(const ServerMessage &m)
{
    switch (m.type) {
    case ServerMessageType::Contacts:
        onContacts(m);
        break;
    case ServerMessageType::Presence:
        for (const UserPresence &p : m.users)
            onPresence(p);
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
        onContactRequest(m);
        break;
    case ServerMessageType::Error:
        qCInfo(lcClientSession) << "server error:" << errorCodeName(m.error.code) << m.error.message;
        Q_EMIT errorReceived(m.error.code, ErrorText::general(m.error.code));
        break;
    case ServerMessageType::Welcome:
    case ServerMessageType::HeartbeatAck:
    case ServerMessageType::Ok:
    case ServerMessageType::Messages:
        break; // the connection's own, or replies taken by their request
    }
}

void ClientSession::onWelcome(const WelcomeInfo &welcome)
{
    m_limits = welcome.limits;
    openOutbox(welcome.user);
    watchOwnPresence(); // our own status is shown to us the way contacts see it
    syncFrom(m_outbox->lastMid());
    Q_EMIT signedIn(welcome.user);
}

void ClientSession::watchOwnPresence()
{
    m_connection.request(ClientMessages::subscribe({m_connection.user()}), [this](const ServerMessage &reply) {
        for (const UserPresence &p : reply.users)
            onPresence(p);
    });
}

void ClientSession::syncFrom(qint64 after)
{
    m_connection.request(ClientMessages::sync(after), [this](const ServerMessage &reply) {
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
    for (const Outbox::Pending &p : m_outbox->pending())
        transmit(p.to, p.cid, p.body);
}

void ClientSession::transmit(const QString &to, const QString &cid, const QString &body)
{
    m_connection.request(ClientMessages::send(to, cid, body), [this, to, cid, body](const ServerMessage &reply) {
        if (reply.type == ServerMessageType::Error)
            onSendRefused(to, cid, body, reply.error);
    });
}

void ClientSession::onSendRefused(const QString &to, const QString &cid, const QString &body,
                                  const ProtocolError &error)
{
    QString reason;
    switch (error.code) {
    case ErrorCode::TooLarge:
        reason = tr("too long (at most %n characters)", nullptr, m_limits.maxBodyChars);
        break;
    case ErrorCode::Forbidden:
        reason = tr("%1 is not your contact").arg(to);
        break;
    case ErrorCode::NotFound:
        reason = tr("there is no user %1").arg(to);
        break;
    case ErrorCode::BadRequest:
        reason = tr("the server refused it");
        break;
    case ErrorCode::RateLimited:
    case ErrorCode::Unavailable:
    default:
        // rate_limited means our pacing is wrong (SendPacer keeps within the announced rate).
        qCWarning(lcClientSession) << "send refused for now:" << errorCodeName(error.code) << "; again in 2 s";
        // For now: it stays in the outbox and goes again a little later.
        QTimer::singleShot(2000, this, [this, to, cid, body] {
            if (state() == State::Connected && m_outbox && m_outbox->contains(cid))
                transmit(to, cid, body);
        });
        return;
    }
    // For good: out of the outbox (never sent again by itself), shown as failed (with its text,
    // for the user to retry, copy or delete).
    if (m_outbox)
        m_outbox->acknowledge(cid);
    ConversationModel *model = conversation(to);
    model->addPending(cid, body, QDateTime::currentMSecsSinceEpoch());
    model->markFailed(cid, reason);
}

void ClientSession::retryMessage(const QString &peer, const QString &cid)
{
    if (!m_outbox)
        return;
    ConversationModel *model = conversation(peer);
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row);
        if (index.data(ConversationModel::CidRole).toString() != cid ||
            index.data(ConversationModel::DeliveryRole).toInt() !=
                static_cast<int>(ConversationModel::Delivery::Failed))
            continue;
        const QString body = index.data(ConversationModel::BodyRole).toString();
        m_outbox->add({cid, peer, body, index.data(ConversationModel::TimestampRole).toLongLong()});
        model->markPending(cid);
        if (state() == State::Connected)
            transmit(peer, cid, body);
        return;
    }
}

void ClientSession::discardMessage(const QString &peer, const QString &cid)
{
    if (m_outbox)
        m_outbox->acknowledge(cid);
    conversation(peer)->removeUnsent(cid);
}

void ClientSession::onContacts(const ServerMessage &m)
{
    for (const UserPresence &p : m.users) {
        const auto marks = m.readMarks.value(p.user);
        m_readMids.insert(p.user, marks.first);
        conversation(p.user)->setPeerReadMid(marks.second);
    }
    m_contacts->setContacts(m.users);
    restoreUnread();
    m_requests = m.requests;
    m_pending = m.pending;
    m_blocked = m.blocked;
    Q_EMIT rosterChanged();
}

void ClientSession::onContactRequest(const ServerMessage &m)
{
    // With Feature::RequestFrames a frame with `to` stands for the `contacts` list it replaces:
    // our own request (from any of our devices) or one to us.
    const QString &self = m_connection.user();
    if (!m.to.isEmpty() && m.from == self) {
        if (!m_pending.contains(m.to)) {
            m_pending.append(m.to);
            m_pending.sort();
            Q_EMIT rosterChanged();
        }
        return;
    }
    if (!m.to.isEmpty() && !m_requests.contains(m.from)) {
        m_requests.append(m.from);
        m_requests.sort();
        Q_EMIT rosterChanged();
    }
    Q_EMIT contactRequestReceived(m.from);
}

void ClientSession::onPresence(const UserPresence &presence)
{
    if (presence.user == m_connection.user()) {
        m_ownStatus = presence.status;
        m_ownText = presence.text;
        // While connected we are live, so offline means invisible.
        setOwnMode(presence.status == Status::Dnd                                      ? Mode::Dnd
                   : presence.status == Status::Offline && state() == State::Connected ? Mode::Invisible
                                                                                       : Mode::Auto);
        Q_EMIT ownStatusChanged();
        return;
    }
    m_contacts->applyPresence(presence);
}

ConversationModel *ClientSession::conversation(const QString &peer)
{
    ConversationModel *&model = m_conversations[peer];
    if (!model)
        model = new ConversationModel(m_connection.user(), peer, this);
    return model;
}

void ClientSession::onMessage(const ChatMessage &message)
{
    m_outbox->noteMid(message.mid);
    const QString peer = message.from == m_connection.user() ? message.to : message.from;
    if (!conversation(peer)->addMessage(message))
        return; // seen already (live and sync may both bring it)
    m_contacts->setLastMessage(peer, previewOf(message.from, message.body), message.ts);
    if (message.from == m_connection.user())
        return;
    if (peer != m_visiblePeer && message.mid > m_readMids.value(peer))
        m_contacts->addUnread(peer);
    Q_EMIT messageReceived(message);
    onTyping(peer, false);
}

QString ClientSession::previewOf(const QString &from, const QString &body) const
{
    return from == m_connection.user() ? tr("You: %1").arg(body) : body;
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
    if (from == m_connection.user()) { // read on another device of ours
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
    if (mode)
        setOwnMode(*mode); // at once: typing and read marks stop before the server's echo
    // The change comes back as a push of our own presence (we watch ourselves).
    m_connection.request(ClientMessages::setStatus(mode, std::move(text)), [this](const ServerMessage &reply) {
        if (reply.type == ServerMessageType::Error)
            Q_EMIT errorReceived(reply.error.code, ErrorText::general(reply.error.code));
    });
}

void ClientSession::setOwnMode(Mode mode)
{
    const bool leavingInvisible = m_ownMode == Mode::Invisible && mode != Mode::Invisible;
    m_ownMode = mode;
    if (!leavingInvisible || state() != State::Connected)
        return;
    // Read while invisible: the marks go out now.
    for (auto it = m_heldReads.cbegin(); it != m_heldReads.cend(); ++it)
        m_connection.send(ClientMessages::read(it.key(), it.value()));
    m_heldReads.clear();
}

QString ClientSession::sendMessage(const QString &to, const QString &body)
{
    if (!m_outbox)
        return {}; // signed out: no account to send from
    const QString cid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const qint64 created = nowMs();
    m_outbox->add({cid, to, body, created}); // on disk before it goes anywhere
    conversation(to)->addPending(cid, body, created);
    m_contacts->setLastMessage(to, previewOf(m_connection.user(), body), created);
    if (state() == State::Connected)
        transmit(to, cid, body);
    return cid;
}

void ClientSession::loadOlder(const QString &peer)
{
    ConversationModel *model = conversation(peer);
    if (!model->hasMoreHistory() || state() != State::Connected)
        return;
    const std::optional<qint64> before =
        model->oldestMid() > 0 ? std::optional<qint64>(model->oldestMid()) : std::nullopt;
    m_connection.request(ClientMessages::history(peer, before, 50), [this, peer](const ServerMessage &reply) {
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
    if (newest <= m_readMids.value(peer) || state() != State::Connected)
        return;
    m_readMids[peer] = newest;
    if (m_ownMode == Mode::Invisible) {
        m_heldReads.insert(peer, newest); // a read receipt would tell them we are here
        return;
    }
    m_connection.send(ClientMessages::read(peer, newest));
}

void ClientSession::setTyping(const QString &to, bool typing)
{
    if (state() == State::Connected && m_ownMode != Mode::Invisible)
        m_connection.send(ClientMessages::typing(to, typing));
}

void ClientSession::addContact(const QString &user)
{
    m_connection.request(ClientMessages::contactAdd(user), contactReplyHandler(user));
}

void ClientSession::acceptContact(const QString &user)
{
    m_connection.request(ClientMessages::contactAccept(user), contactReplyHandler(user));
}

void ClientSession::removeContact(const QString &user)
{
    m_connection.request(ClientMessages::contactRemove(user), contactReplyHandler(user));
}

void ClientSession::blockUser(const QString &user)
{
    m_connection.request(ClientMessages::block(user), contactReplyHandler(user));
}

void ClientSession::unblockUser(const QString &user)
{
    m_connection.request(ClientMessages::unblock(user), contactReplyHandler(user));
}

Connection::ReplyHandler ClientSession::contactReplyHandler(const QString &user)
{
    return [this, user](const ServerMessage &reply) {
        if (reply.type == ServerMessageType::Error)
            Q_EMIT errorReceived(reply.error.code, ErrorText::contactRequest(reply.error.code, user));
    };
}

} // namespace presently
