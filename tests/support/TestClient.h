#pragma once

#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QWebSocket>
#include <functional>
#include <optional>

// A protocol peer over a real WebSocket, for tests: it records every message with the time it
// arrived and waits for messages by polling the event loop up to a deadline.
class TestClient : public QObject {
    Q_OBJECT
public:
    struct Received {
        QJsonObject message;
        qint64 atMs;
    };
    using Predicate = std::function<bool(const QJsonObject &)>;

    explicit TestClient(QObject *parent = nullptr);
    ~TestClient() override;

    bool open(const QUrl &url, int timeoutMs = 10000);
    void send(const QJsonObject &message);
    void sendAll(const QList<QJsonObject> &messages); // in one write, as far as the kernel takes it
    void sendText(const QString &text);
    void sendBinary(const QByteArray &data);

    // The first message not yet taken that matches; it is taken.
    std::optional<QJsonObject> waitFor(const Predicate &match, int timeoutMs = 5000);
    std::optional<QJsonObject> waitForType(const QString &type, int timeoutMs = 5000);
    // A presence push (or contacts entry) for `user` with this status.
    std::optional<QJsonObject> waitForPresence(const QString &user, const QString &status, int timeoutMs = 5000);
    bool waitForClosed(int timeoutMs = 5000);

    // Sign in (register when `create`), take welcome and the first contacts; returns welcome.
    std::optional<QJsonObject> signIn(const QUrl &url, const QString &user, const QString &password, bool create,
                                      const QString &device = QStringLiteral("desktop"));
    // Send and wait for the reply carrying the same id (ok, error or a typed answer).
    std::optional<QJsonObject> request(QJsonObject message, int timeoutMs = 5000);

    void closeCleanly();
    void dropUncleanly(); // the socket dies without a close frame

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    int closeCode() const { return m_closeCode; }
    const QString &closeReason() const { return m_closeReason; }
    const QList<Received> &log() const { return m_log; }
    // Presence statuses seen for a user, in order, from pushes and contacts messages.
    QList<QPair<QString, qint64>> presenceHistory(const QString &user) const;
    qint64 lastSentAtMs() const { return m_lastSentAtMs; }

private:
    QWebSocket m_socket;
    QList<Received> m_log;
    QList<QJsonObject> m_inbox;
    int m_closeCode = -1;
    QString m_closeReason;
    bool m_closed = false;
    int m_nextId = 1;
    qint64 m_lastSentAtMs = 0;
};

// Common test clock in ms (the server library's Clock, shared by the test process).
qint64 testNowMs();
