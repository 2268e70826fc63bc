#pragma once

#include "base/TokenBucket.h"
#include "events/UserEvent.h"
#include "net/MessageChannel.h"
#include "presence/PresenceWatcher.h"
#include "protocol/ProtocolParser.h"
#include "session/AccountRequests.h"
#include "session/ContactRequests.h"
#include "session/MessageRequests.h"
#include "session/PresenceRequests.h"
#include "session/RequestQueue.h"
#include "session/Roster.h"
#include "session/SessionContext.h"
#include "session/SessionSettings.h"
#include "session/SignIn.h"
#include "storage/StoreThread.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <memory>

namespace presently {

// One client's connection and, once signed in, its session: frames in, dispatch to the request
// handlers of each family (SignIn, PresenceRequests, ContactRequests, MessageRequests), replies
// out, the session's end. Frames are handled strictly in arrival order (RequestQueue). It sees
// its connection as a MessageChannel, the gateway as a SessionContext, and its settings as values.
class Session : public QObject, public PresenceWatcher, private MessageChannel::Receiver {
    Q_OBJECT
public:
    // Takes ownership of `channel`.
    Session(MessageChannel *channel, const SessionServices &services, SessionContext *context,
            const SessionSettings &settings, QObject *parent = nullptr);
    ~Session() override;

    const QString &user() const { return m_user; }
    const QString &sessionId() const { return m_sessionId; }
    const QString &token() const { return m_token; }
    bool isLive() const { return m_state == State::Live; }

    void presencePushed(const UserPresence &presence) override;
    void handleUserEvent(const UserEvent &event);
    // The store ended this session (its TTL ran out): close with 4002.
    void expire();
    // Server shutdown: close with 1001 and leave the session's presence to its TTL.
    void goAway();

    // For the request handlers.
    const SessionServices &services() const { return m_services; }
    const SessionSettings &settings() const { return m_settings; }
    RequestQueue &queue() { return m_queue; }
    Roster &roster() { return m_roster; }
    qint64 serverNowMs() const;
    void send(const QJsonObject &object);
    void sendFrame(const QByteArray &utf8);
    // `retryAfterMs` (rate_limited): when the client may try again; 0: not said.
    void sendError(ErrorCode code, const QString &message, const QJsonValue &id, qint64 retryAfterMs = 0);
    void sendOk(const QJsonValue &id);
    // A reply of `bytes` (a sync or history page) costs one more request per 64 KiB.
    void chargeForReply(qint64 bytes);
    // Before welcome: the error, then close with 4001.
    void refuse(ErrorCode code, const QString &message, const QJsonValue &id,
                quint16 closeCode = CloseCode::Authentication, qint64 retryAfterMs = 0);
    QHostAddress peerAddress() const;
    SessionContext &context() { return *m_context; }
    // Whether `user` holds as many live sessions here as one may.
    bool atSessionLimit(const QString &user) const;
    // Sign-in succeeded: welcome, the roster, live from now on.
    void becomeLive(const SignedIn &start, const QString &device);
    bool isSigningIn() const { return m_state == State::Authenticating; }
    bool wantsRequestFrames() const { return m_requestFrames; }
    // Ends the session (offline at once unless it was ended already) and closes.
    void endSession(quint16 closeCode, const QString &reason);
    // Runs `job` on the read thread, `done` back here; this session's later frames wait for it
    // (answers stay in order), nobody else does.
    template <typename Result> void read(StoreThread::Job<Result> job, std::function<void(const Result &)> done)
    {
        m_services.reads->read<Result>(this, std::move(job), inOrder<Result>(std::move(done)));
    }
    // Runs `job` in the write thread's next commit window, `done` back here once it is durable;
    // this session's later frames wait for it.
    template <typename T>
    void write(StoreThread::Job<StoreResult<T>> job, std::function<void(const StoreResult<T> &)> done)
    {
        m_services.writes->write<T>(this, std::move(job), inOrder<StoreResult<T>>(std::move(done)));
    }
    // Holds this session's later frames until the returned callback has run `done`.
    template <typename Result> std::function<void(const Result &)> inOrder(std::function<void(const Result &)> done)
    {
        m_queue.beginAsync();
        return [this, done = std::move(done)](const Result &result) {
            done(result);
            m_queue.endAsync();
        };
    }

private:
    enum class State { AwaitingHello, Authenticating, Live, Closed };

    void contactRequested(const UserEvents::ContactRequest &request);
    // The presence store hears the session is gone (offline unless another device is live).
    void endPresence();

    void textReceived(const QByteArray &utf8) override { onFrame(utf8, false); }
    void binaryReceived(const QByteArray &data) override { onFrame(data, true); }
    void closeReceived() override { m_closeHandshake = true; }
    // Pings, pongs and fragments count against the flood limit like messages do.
    void frameCounted() override;
    // Over kMaxPendingWriteBytes queued for the peer: closed with 1008.
    bool closeIfNotReading();
    void channelClosed() override;

    void onFrame(const QByteArray &frame, bool binary);
    void handle(const ParseResult &result, bool rateLimited);
    void handleBeforeWelcome(const ParseResult &result);
    void handleLive(const ClientMessage &message);
    // Logged in the security log, then closed with 1008.
    void closeForAbuse(const QString &reason);
    // The user's own bucket, shared by their connections; false (and rate_limited said) when empty.
    bool takeFromUserBucket(const QJsonValue &id);
    void close(quint16 code, const QString &reason);

    std::unique_ptr<MessageChannel> m_channel;
    SessionServices m_services;
    SessionContext *m_context;
    SessionSettings m_settings;
    ProtocolParser m_parser;
    State m_state = State::AwaitingHello;
    QString m_user;
    QString m_sessionId;
    QString m_token;
    QString m_tokenDigest; // how revocations name it
    TokenBucket m_requestBucket;
    TokenBucket m_floodBucket;
    int m_framesBeforeWelcome = 0; // hello included
    qint64 m_bytesBeforeWelcome = 0;
    bool m_firstFrame = true;
    bool m_closeHandshake = false;
    bool m_sessionEnded = false;
    bool m_requestFrames = false; // the client asked for Feature::RequestFrames
    RequestQueue m_queue;
    Roster m_roster;
    SignIn m_signIn;
    PresenceRequests m_presenceRequests;
    ContactRequests m_contactRequests;
    MessageRequests m_messageRequests;
    AccountRequests m_accountRequests;
    QTimer m_authTimer;
};

} // namespace presently
