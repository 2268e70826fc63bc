#pragma once

#include "core/Connection.h"
#include "core/ContactListModel.h"
#include "core/ConversationModel.h"
#include "core/LocalState.h"
#include "core/Outbox.h"
#include "protocol/ChatMessage.h"
#include "protocol/ServerMessage.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <optional>

namespace presently {

// The signed-in user's session, with no widgets: over a Connection (the socket's life), it keeps
// the models the windows show, syncs, and sends through the on-disk outbox. Widgets talk to the
// models and to this object, never to the socket.
class ClientSession : public QObject {
    Q_OBJECT
public:
    using State = Connection::State;

    explicit ClientSession(const QString &dataDirectory, QObject *parent = nullptr);
    ~ClientSession() override;

    void setDevice(const QString &device) { m_connection.setDevice(device); }
    void signIn(const QUrl &server, const QString &user, const QString &password, bool createAccount,
                const QString &invite = QString());
    void resume(const QUrl &server, const QString &user, const QString &token);
    // Ends the session cleanly (`bye`, or `logout` which also revokes the token), and clears
    // every model of the account (what was typed stays in its outbox on disk).
    void signOut(bool logout = false);
    // Ends every session and token of the account, on every device (the server closes this one
    // too). `done` gets the server's error, or nothing on success.
    void signOutEverywhere(std::function<void(std::optional<ProtocolError>)> done);
    // The server checks `oldPassword`; on success every other device is signed out.
    void changePassword(const QString &oldPassword, const QString &newPassword,
                        std::function<void(std::optional<ProtocolError>)> done);

    State state() const { return m_connection.state(); }
    const QString &user() const { return m_connection.user(); }
    const QString &token() const { return m_connection.token(); }
    const QUrl &server() const { return m_connection.server(); }
    int msUntilReconnect() const { return m_connection.msUntilReconnect(); }

    ContactListModel *contacts() const { return m_contacts; }
    const QStringList &requests() const { return m_requests; }
    const QStringList &pending() const { return m_pending; }
    const QStringList &blocked() const { return m_blocked; }
    ConversationModel *conversation(const QString &peer);

    Status ownStatus() const { return m_ownStatus; }
    // Our own dot as the window and the tray show it: while connected, what our contacts see (the
    // server pushes it: we watch ourselves); offline while not connected.
    Status displayedOwnStatus() const;
    Mode ownMode() const { return m_ownMode; }
    const QString &ownText() const { return m_ownText; }
    Activity activity() const { return m_connection.activity(); }

    void setActivity(Activity activity) { m_connection.setActivity(activity); }
    void setStatus(std::optional<Mode> mode, std::optional<QString> text);
    // Keeps the message in the outbox (on disk) and sends it when connected. The server may refuse
    // it for good (too long, not a contact any more): it is then marked failed, out of the outbox.
    QString sendMessage(const QString &to, const QString &body);
    // A failed message: send it again, or delete it.
    void retryMessage(const QString &peer, const QString &cid);
    void discardMessage(const QString &peer, const QString &cid);
    // The server's limits as its last welcome announced them (the protocol's defaults before).
    const ProtocolLimits &limits() const { return m_limits; }
    // What was typed in a conversation and not sent; kept on disk across restarts.
    QString draft(const QString &peer) const;
    void setDraft(const QString &peer, const QString &text);
    void loadOlder(const QString &peer);
    void markRead(const QString &peer);
    void setTyping(const QString &to, bool typing);
    void setVisibleConversation(const QString &peer) { m_visiblePeer = peer; }
    void addContact(const QString &user);
    void acceptContact(const QString &user);
    void removeContact(const QString &user);
    // Ends the contact (or request) and drops the user's later requests, unsaid to them.
    void blockUser(const QString &user);
    void unblockUser(const QString &user);

    // The network vanished under us (tests; the OS's sleep hook).
    void dropConnection() { m_connection.drop(); }
    // While waiting to reconnect: try now.
    void retryNow() { m_connection.retryNow(); }
    void setTimeouts(int openMs, int signInMs) { m_connection.setTimeouts(openMs, signInMs); }
    // Why the last attempt failed, in words (empty while connected).
    const QString &lastError() const { return m_connection.lastError(); }
    // The socket is open or still closing (after signOut(): the `bye` is not out yet).
    bool isSocketOpen() const { return m_connection.isSocketOpen(); }

Q_SIGNALS:
    void stateChanged(presently::Connection::State state);
    void signedIn(const QString &user);
    // `retryAfterMs`: how long the server asks to wait (failed sign-ins throttled); 0: not said.
    void signInFailed(presently::ErrorCode code, const QString &message, qint64 retryAfterMs);
    // An attempt to connect or sign in failed (it is retried with backoff until signOut()).
    void connectionFailed(const QString &reason);
    // The socket closed (after signOut(): `bye` or `logout` went out).
    void socketClosed();
    void rosterChanged();
    void contactRequestReceived(const QString &from);
    void messageReceived(const presently::ChatMessage &message);
    void typingChanged(const QString &peer, bool typing);
    void ownStatusChanged();
    // The server refused something: `message` says what in words (never the protocol's code).
    void errorReceived(presently::ErrorCode code, const QString &message);
    // The account's models are about to be deleted: views let go of them now.
    void accountCleared();

private:
    // Nothing of one account may show under another: conversations, contacts, requests, read
    // marks, typing, own status and the outbox are dropped.
    void clearAccount();
    // Signing in as `user` on `server`: clears the models first if they are another account's.
    void switchAccount(const QUrl &server, const QString &user);
    // "host_port/user": where an account's files are, under the data folder.
    static QString accountKey(const QUrl &server, const QString &user);
    // The account's folder, made (0700, and the levels above it) if needed.
    QString privateFolder(const QString &account);
    // The outbox and local state of the user about to sign in (each user of a profile has their own).
    void openOutbox(const QString &user);
    // Unread counts and drafts to disk (every 2 s when changed, and when the account closes).
    void saveLocalState();
    // Unread counts from the last run, once the roster is here; not those read elsewhere since.
    void restoreUnread();
    void onMessageReceived(const ServerMessage &message);
    void onWelcome(const WelcomeInfo &welcome);
    void watchOwnPresence();
    // Invisible sends no typing and holds read marks; leaving it sends the held ones.
    void setOwnMode(Mode mode);
    void onContacts(const ServerMessage &contacts);
    void onContactRequest(const ServerMessage &request);
    void onPresence(const UserPresence &presence);
    void onMessage(const ChatMessage &message);
    void onSent(const ServerMessage &sent);
    // The contact list's one-line preview of a message.
    QString previewOf(const QString &from, const QString &body) const;
    void onRead(const ServerMessage &read);
    void onTyping(const QString &from, bool state);
    void syncFrom(qint64 after);
    void resendOutbox();
    // Sends one outbox entry; its `sent` goes to onSent, a refusal to onSendRefused.
    void transmit(const QString &to, const QString &cid, const QString &body);
    // Reports a refused contact request about `user` in words.
    Connection::ReplyHandler contactReplyHandler(const QString &user);
    void onSendRefused(const QString &to, const QString &cid, const QString &body, const ProtocolError &error);

    QString m_dataDirectory;
    Connection m_connection;
    Status m_ownStatus = Status::Offline;
    Mode m_ownMode = Mode::Auto;
    QString m_ownText;
    std::unique_ptr<Outbox> m_outbox;
    std::unique_ptr<LocalState> m_local;
    QHash<QString, LocalState::Unread> m_unreadToRestore;
    QHash<QString, qint64> m_unreadNewest; // the newest mid each restored count covers
    QString m_outboxAccount;               // accountKey() of the open outbox
    QString m_account;                     // accountKey() whose models these are (empty: none yet)
    ProtocolLimits m_limits;
    ContactListModel *m_contacts;
    QHash<QString, ConversationModel *> m_conversations;
    QHash<QString, qint64> m_readMids;  // own read mark per peer
    QHash<QString, qint64> m_heldReads; // read while invisible, not sent yet
    QHash<QString, QTimer *> m_typingTimers;
    QStringList m_requests;
    QStringList m_pending;
    QStringList m_blocked;
    QString m_visiblePeer;
    QTimer m_flush;
};

} // namespace presently
