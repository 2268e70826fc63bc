#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

// A client of a fleet as a real one behaves, without blocking (hundreds live in one test): it
// heartbeats, comes back by token after a drop (after a short pause), `sync`s after the largest
// mid it has, keeps every message it sends until `sent` and sends it again (same cid) until then.
// It records what a fleet test checks: what it was told was stored, what it received and in
// which order, its partner's presence, and when it was away.
class FleetClient : public QObject {
    Q_OBJECT
public:
    FleetClient(const QUrl &url, const QString &user, const QString &password, int heartbeatMs,
                QObject *parent = nullptr);
    ~FleetClient() override;

    const QString &user() const { return m_user; }
    // The one contact this client writes to; a contact request from it is accepted.
    void setPartner(const QString &partner) { m_partner = partner; }
    // Connects and signs in: registers the first time (or signs in with the password if the
    // account exists), by token after that.
    void start();
    // After a drop: come back (true, the default) or stay away.
    void setReconnecting(bool on) { m_reconnecting = on; }
    void askPartner(); // contact_add
    // A new message to the partner (cid user-N), kept until `sent`.
    void sendMessage();
    void setMode(const QString &mode);

    bool isSignedIn() const { return m_signedIn; }
    bool knowsPartner() const { return m_partnerKnown; }
    QString server() const { return m_server; } // of the last welcome
    qsizetype outboxSize() const { return m_outbox.size(); }
    qint64 lastFrameSentMs() const { return m_lastFrameSentMs; }
    // cid -> mid: acknowledged with `sent`, and received from the partner (live or by sync).
    const QHash<QString, qint64> &acknowledged() const { return m_acknowledged; }
    const QHash<QString, qint64> &received() const { return m_received; }
    // The partner's statuses seen (presence pushes, contacts entries) with when.
    const QList<QPair<QString, qint64>> &partnerPresence() const { return m_partnerPresence; }
    // Time away: from losing the connection to the next welcome.
    const QList<QPair<qint64, qint64>> &gaps() const { return m_gaps; }
    int sentCount() const { return m_nextMessage; }
    int unavailableAnswers() const { return m_unavailable; }
    int signIns() const { return m_signIns; }
    // Contract breaches seen: a live `message` not above the last one on that connection; a cid
    // acknowledged or received with two different mids.
    int orderViolations() const { return m_orderViolations; }
    int conflictingMids() const { return m_conflictingMids; }
    // Errors to anything but a send (a status change, a sync), and to a send other than
    // `unavailable`, by code (for the test's report).
    const QHash<QString, int> &otherErrors() const { return m_otherErrors; }

Q_SIGNALS:
    void signedIn();

private:
    void open();
    void onText(const QString &text);
    void onWelcome(const QJsonObject &welcome);
    void onLost();
    void take(const QJsonObject &message);
    void send(QJsonObject message);
    void sync();
    void resend(qint64 olderThanMs);

    struct Pending {
        QString body;
        qint64 lastSentMs = 0;
    };

    QWebSocket m_socket;
    QTimer m_heartbeat;
    QTimer m_resend;
    QTimer m_comeBack;
    QUrl m_url;
    QString m_user;
    QString m_password;
    QString m_partner;
    QString m_token;
    QString m_server;
    bool m_registered = false;
    bool m_signedIn = false;
    bool m_partnerKnown = false;
    bool m_reconnecting = true;
    bool m_connecting = false;
    int m_nextId = 1;
    int m_nextMessage = 0;
    qint64 m_lostAtMs = -1;
    qint64 m_lastFrameSentMs = 0;
    qint64 m_maxMid = 0;
    qint64 m_lastLiveMid = 0; // on this connection
    QHash<QString, Pending> m_outbox;
    QHash<int, QString> m_sendIds; // request id -> cid
    QHash<QString, qint64> m_acknowledged;
    QHash<QString, qint64> m_received;
    QList<QPair<QString, qint64>> m_partnerPresence;
    QList<QPair<qint64, qint64>> m_gaps;
    int m_unavailable = 0;
    int m_signIns = 0;
    int m_orderViolations = 0;
    int m_conflictingMids = 0;
    QHash<QString, int> m_otherErrors;
};
