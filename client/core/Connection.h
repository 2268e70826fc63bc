#pragma once

#include "core/ReconnectBackoff.h"
#include "core/SendPacer.h"
#include "protocol/ClientMessage.h"
#include "protocol/ServerMessage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <functional>

namespace presently {

// The socket's life, and nothing of the app's state: connect, sign in (password, new account or
// token), heartbeats at the interval the server announces, the watchdog that replaces a
// connection after two intervals without an ack, and reconnects with backoff. An attempt that
// does not open in time (an unreachable host, a server that accepts TCP and never answers) or
// is not signed in in time fails like a refused one. Replies are matched to their requests by
// id; every other server message is handed on.
class Connection : public QObject {
    Q_OBJECT
public:
    enum class State { SignedOut, Connecting, SigningIn, Connected, WaitingToReconnect };
    Q_ENUM(State)
    using ReplyHandler = std::function<void(const ServerMessage &)>;

    explicit Connection(QObject *parent = nullptr);
    ~Connection() override;

    void setDevice(const QString &device) { m_device = device; }
    // Connects and keeps connected until stop(): with a password (or a new account), or a token.
    // `invite`: with createAccount, the invitation code of a server that asks for one.
    void signIn(const QUrl &server, const QString &user, const QString &password, bool createAccount,
                const QString &invite = QString());
    void resume(const QUrl &server, const QString &user, const QString &token);
    // Ends the session cleanly (`bye`, or `logout` which also revokes the token).
    void stop(bool logout);
    // The network vanished under us (tests; the OS's sleep hook).
    void drop();
    // While waiting to reconnect: try now (the user asked).
    void retryNow();
    // How long an attempt may take to open the WebSocket, and then to be signed in.
    void setTimeouts(int openMs, int signInMs);
    // Why the last attempt failed, in words ("Connection refused", "timed out"); empty once welcomed.
    const QString &lastError() const { return m_lastError; }
    // The socket is open or closing (a `bye` not yet flushed).
    bool isSocketOpen() const;

    State state() const { return m_state; }
    const QUrl &server() const { return m_server; }
    // The user as the server spelled it in welcome (or as given, before).
    const QString &user() const { return m_user; }
    const QString &token() const { return m_token; }
    int msUntilReconnect() const;

    // Heartbeats, hello and goodbyes go at once; every other frame is paced within the server's
    // announced rate (queued, in order, never refused as rate_limited).
    void send(const ClientMessage &message);
    // Sends with a fresh id; `handler` gets the reply with that id (never called if the
    // connection drops first).
    void request(ClientMessage message, ReplyHandler handler);
    // Heartbeats carry it; a change is sent at once.
    void setActivity(Activity activity);
    Activity activity() const { return m_activity; }

Q_SIGNALS:
    void stateChanged(presently::Connection::State state);
    // Signed in (every time, after each reconnect too).
    void welcomed(const presently::WelcomeInfo &welcome);
    // `retryAfterMs`: how long the server asks to wait (failed sign-ins throttled); 0: not said.
    void signInFailed(presently::ErrorCode code, const QString &message, qint64 retryAfterMs);
    // An attempt failed before welcome (unreachable, refused, timed out, dropped); it is retried
    // with backoff while the user wants to be signed in.
    void attemptFailed(const QString &reason);
    // The socket is closed (after stop(): the `bye` or `logout` went out).
    void socketClosed();
    // Every message that is neither a reply to a request nor part of the connection's own work.
    void messageReceived(const presently::ServerMessage &message);

private:
    void connectNow();
    void setState(State state);
    void onConnected();
    void onDisconnected();
    void onText(const QString &text);
    void heartbeatTick();
    void scheduleReconnect(int delayMs);
    void onAttemptTimeout();

    QWebSocket m_socket;
    State m_state = State::SignedOut;
    QUrl m_server;
    QString m_user;
    QString m_password; // only until the first welcome
    QString m_token;
    QString m_device = QStringLiteral("desktop");
    bool m_createAccount = false;
    QString m_invite;
    bool m_wanted = false;             // the user wants to be signed in
    bool m_opened = false;             // the current attempt's socket connected
    bool m_certificateRefused = false; // the current attempt's TLS handshake refused the server
    Activity m_activity = Activity::Active;
    int m_heartbeatMs = 10000;
    QTimer m_heartbeat;
    QTimer m_reconnect;
    QTimer m_attemptDeadline; // opening, then signing in
    int m_openTimeoutMs = 10000;
    int m_signInTimeoutMs = 20000; // the server's own deadline is 10 s, plus a hash queue
    QString m_lastError;
    QElapsedTimer m_sinceAck;
    ReconnectBackoff m_backoff;
    SendPacer m_pacer;
    int m_nextId = 1;
    QHash<int, ReplyHandler> m_replies;
};

} // namespace presently
