#pragma once

#include "redis/RedisAddress.h"
#include "redis/RedisReply.h"
#include "redis/RespCommand.h"

#include <QObject>
#include <QTimer>
#include <functional>

struct redisAsyncContext;
class QSocketNotifier;

namespace presently {

// One hiredis async connection driven by the Qt event loop. Reconnects by itself, selects the
// database, and fails commands that get no answer within the command timeout (hiredis 0.14
// has none of its own) by dropping the connection. In pub/sub mode it emits message().
class RedisConnection : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(const RedisReply &)>;
    enum class Mode { Commands, PubSub };

    RedisConnection(const RedisAddress &address, Mode mode, QObject *parent = nullptr);
    ~RedisConnection() override;

    void open();
    bool isConnected() const { return m_connected; }
    // Callbacks always run from the event loop, never inside command().
    void command(const QList<QByteArray> &args, Callback callback = {});
    void command(const RespCommand &command, Callback callback = {});
    void setCommandTimeoutMs(int ms) { m_commandTimeoutMs = ms; }
    // Another server from now on (a new primary named by Sentinel): the connection, if any, is
    // dropped and made again there.
    void setTarget(const QString &host, quint16 port);
    QString host() const { return m_address.host; }
    quint16 port() const { return m_address.port; }

Q_SIGNALS:
    void connected();
    void disconnected();
    // With Sentinels: the server we reached says it is not the primary (dropped; ask again).
    void notPrimary();
    void message(const QByteArray &channel, const QByteArray &payload);
    // Pub/sub mode: Redis confirmed a subscription.
    void subscribed(const QByteArray &channel);

private:
    struct Pending;
    bool m_authRefused = false; // logged once, until AUTH succeeds again
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void onPubSubReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void addRead(void *self);
    static void delRead(void *self);
    static void addWrite(void *self);
    static void delWrite(void *self);
    static void cleanup(void *self);

    void connectNow();
    void dropConnection();
    void lost();
    void checkTimeouts();

    RedisAddress m_address;
    Mode m_mode;
    redisAsyncContext *m_context = nullptr;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    bool m_connected = false;
    bool m_closing = false;
    int m_commandTimeoutMs = 3000;
    int m_backoffMs = 0;
    qint64 m_outstanding = 0; // commands mode: sent, not yet answered
    static constexpr int kCheckIntervalMs = 100;
    quint64 m_replies = 0; // replies received, ever
    quint64 m_repliesAtLastCheck = 0;
    qint64 m_lastCheckMs = 0;
    qint64 m_silentMs = 0; // loop-free time waiting with no reply
    QTimer m_reconnectTimer;
    QTimer m_timeoutTimer;
};

} // namespace presently
