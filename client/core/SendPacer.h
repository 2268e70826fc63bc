#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QQueue>
#include <QTimer>
#include <functional>

namespace presently {

// Keeps a connection's requests within the rate the server announced (a bucket of `burst`
// refilled at `perSecond`): what would find the server's bucket empty waits here, in order,
// instead of being refused with rate_limited. Under the server's figures (90 % of the rate, half
// the burst), so a server that reads us late never finds its bucket empty.
class SendPacer : public QObject {
    Q_OBJECT
public:
    using Writer = std::function<void(const QByteArray &frame)>;

    explicit SendPacer(Writer writer, QObject *parent = nullptr);

    // The server's limits (from welcome); the bucket starts full.
    void setRate(int perSecond, int burst);
    // Writes now if the bucket allows, else queues.
    void send(const QByteArray &frame);
    // The connection is gone: what waits is dropped (the outbox resends messages).
    void clear();
    int queued() const { return static_cast<int>(m_queue.size()); }

private:
    void refill();
    void drain();

    Writer m_writer;
    QQueue<QByteArray> m_queue;
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_tokens = 0;
    double m_capacity = 0;
    double m_perMs = 0;
    qint64 m_lastMs = 0;
};

} // namespace presently
