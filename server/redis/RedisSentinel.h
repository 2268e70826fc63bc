#pragma once

#include "redis/RedisAddress.h"

#include <QObject>
#include <QTimer>

namespace presently {

class RedisConnection;

// Finds the Redis primary through Sentinel and follows failovers, as Sentinel's client rules
// ask: SENTINEL get-master-addr-by-name at start and every second, at once on +switch-master
// (subscribed on the same Sentinel), and when a connection finds the named server is no longer
// the primary. A Sentinel that does not answer is left for the next in the list.
class RedisSentinel : public QObject {
    Q_OBJECT
public:
    explicit RedisSentinel(const RedisAddress &address, QObject *parent = nullptr);

    void open();
    // Asks now (a connection said its server is not the primary).
    void askNow();

Q_SIGNALS:
    void primaryChanged(const QString &host, quint16 port);

private:
    void nextSentinel();
    void answered(const QString &host, quint16 port);

    RedisAddress m_address;
    qsizetype m_current = 0;
    RedisConnection *m_commands;
    RedisConnection *m_events; // +switch-master
    QTimer m_poll;
    int m_unanswered = 0;
    QString m_primaryHost;
    quint16 m_primaryPort = 0;
};

} // namespace presently
