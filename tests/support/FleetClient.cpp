#include "FleetClient.h"

#include "TestClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

namespace {
// A message not acknowledged for this long is sent again (the same cid: stored once).
constexpr qint64 kResendAfterMs = 1500;
} // namespace

FleetClient::FleetClient(const QUrl &url, const QString &user, const QString &password, int heartbeatMs,
                         QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_user(user)
    , m_password(password)
{
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        QJsonObject hello{{QStringLiteral("device"), QStringLiteral("desktop")}};
        if (!m_token.isEmpty()) {
            hello.insert(QStringLiteral("type"), QStringLiteral("hello"));
            hello.insert(QStringLiteral("token"), m_token);
        } else {
            hello.insert(QStringLiteral("type"), m_registered ? QStringLiteral("hello") : QStringLiteral("register"));
            hello.insert(QStringLiteral("user"), m_user);
            hello.insert(QStringLiteral("password"), m_password);
        }
        send(hello);
    });
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &FleetClient::onText);
    connect(&m_socket, &QWebSocket::disconnected, this, &FleetClient::onLost);
    // A connection that never got through (refused, no answer) says so only here.
    const auto failed = [this] {
        if (m_socket.state() == QAbstractSocket::UnconnectedState)
            onLost();
    };
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    connect(&m_socket, &QWebSocket::errorOccurred, this, failed);
#else
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, failed);
#endif
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        if (m_signedIn)
            send(QJsonObject{{QStringLiteral("type"), QStringLiteral("heartbeat")}});
    });
    m_heartbeat.start(heartbeatMs);
    connect(&m_resend, &QTimer::timeout, this, [this] { resend(kResendAfterMs); });
    m_resend.start(500);
    m_comeBack.setSingleShot(true);
    connect(&m_comeBack, &QTimer::timeout, this, &FleetClient::open);
}

FleetClient::~FleetClient()
{
    m_socket.abort(); // (Qt 6.4's QWebSocket leaks when destroyed while connected)
}

void FleetClient::start()
{
    m_reconnecting = true;
    if (!m_signedIn && !m_connecting && !m_comeBack.isActive())
        open();
}

void FleetClient::open()
{
    m_connecting = true;
    m_lastLiveMid = 0;
    m_socket.open(m_url);
}

void FleetClient::send(QJsonObject message)
{
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    m_lastFrameSentMs = testNowMs();
}

void FleetClient::askPartner()
{
    send(QJsonObject{{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), m_partner}});
}

void FleetClient::setMode(const QString &mode)
{
    if (m_signedIn)
        send(QJsonObject{{QStringLiteral("type"), QStringLiteral("set_status")}, {QStringLiteral("mode"), mode}});
}

void FleetClient::sendMessage()
{
    const QString cid = QStringLiteral("%1-%2").arg(m_user).arg(++m_nextMessage);
    m_outbox.insert(cid, Pending{QStringLiteral("message %1").arg(m_nextMessage), 0});
    resend(-1); // this one now, if signed in
}

void FleetClient::resend(qint64 olderThanMs)
{
    if (!m_signedIn)
        return;
    const qint64 now = testNowMs();
    for (auto it = m_outbox.begin(); it != m_outbox.end(); ++it) {
        if (now - it->lastSentMs <= olderThanMs)
            continue;
        it->lastSentMs = now;
        const int id = m_nextId++;
        m_sendIds.insert(id, it.key());
        send(QJsonObject{{QStringLiteral("type"), QStringLiteral("send")},
                         {QStringLiteral("id"), id},
                         {QStringLiteral("to"), m_partner},
                         {QStringLiteral("cid"), it.key()},
                         {QStringLiteral("body"), it->body}});
    }
}

void FleetClient::sync()
{
    send(QJsonObject{{QStringLiteral("type"), QStringLiteral("sync")},
                     {QStringLiteral("id"), m_nextId++},
                     {QStringLiteral("after"), m_maxMid}});
}

void FleetClient::onText(const QString &text)
{
    const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = m.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("welcome")) {
        onWelcome(m);
    } else if (type == QLatin1String("sent")) {
        const QString cid = m.value(QStringLiteral("cid")).toString();
        const qint64 mid = m.value(QStringLiteral("mid")).toInteger();
        const auto known = m_acknowledged.constFind(cid);
        if (known != m_acknowledged.constEnd() && *known != mid)
            ++m_conflictingMids;
        m_acknowledged.insert(cid, mid);
        m_outbox.remove(cid);
    } else if (type == QLatin1String("message")) {
        const qint64 mid = m.value(QStringLiteral("mid")).toInteger();
        if (mid <= m_lastLiveMid)
            ++m_orderViolations;
        m_lastLiveMid = mid;
        take(m);
    } else if (type == QLatin1String("messages")) {
        const QJsonArray page = m.value(QStringLiteral("messages")).toArray();
        for (const QJsonValue &entry : page)
            take(entry.toObject());
        if (m.value(QStringLiteral("more")).toBool())
            sync();
    } else if (type == QLatin1String("presence") || type == QLatin1String("contacts")) {
        const bool roster = type == QLatin1String("contacts");
        for (const QJsonValue &entry :
             m.value(roster ? QStringLiteral("contacts") : QStringLiteral("users")).toArray()) {
            const QJsonObject contact = entry.toObject();
            if (contact.value(QStringLiteral("user")).toString() != m_partner)
                continue;
            m_partnerKnown = m_partnerKnown || roster;
            m_partnerPresence.append({contact.value(QStringLiteral("status")).toString(), testNowMs()});
        }
    } else if (type == QLatin1String("contact_request")) {
        if (m.value(QStringLiteral("from")).toString() == m_partner)
            send(QJsonObject{{QStringLiteral("type"), QStringLiteral("contact_accept")},
                             {QStringLiteral("user"), m_partner}});
    } else if (type == QLatin1String("error")) {
        const QString code = m.value(QStringLiteral("code")).toString();
        const int id = m.value(QStringLiteral("id")).toInt();
        if (code == QLatin1String("user_exists"))
            m_registered = true; // the gateway closes; the next try signs in with the password
        else if (code == QLatin1String("auth_failed"))
            m_token.clear();
        else if (!m_sendIds.contains(id))
            ++m_otherErrors[code];
        else if (code == QLatin1String("unavailable"))
            ++m_unavailable; // kept in the outbox: sent again
        else
            ++m_otherErrors[code];
        m_sendIds.remove(id);
    }
}

void FleetClient::onWelcome(const QJsonObject &welcome)
{
    m_connecting = false;
    m_signedIn = true;
    m_registered = true;
    ++m_signIns;
    m_token = welcome.value(QStringLiteral("token")).toString();
    m_server = welcome.value(QStringLiteral("server")).toString();
    if (m_lostAtMs >= 0)
        m_gaps.append({m_lostAtMs, testNowMs()});
    m_lostAtMs = -1;
    sync();
    resend(-1);
    Q_EMIT signedIn();
}

void FleetClient::take(const QJsonObject &message)
{
    const qint64 mid = message.value(QStringLiteral("mid")).toInteger();
    m_maxMid = std::max(m_maxMid, mid);
    if (message.value(QStringLiteral("from")).toString() != m_partner)
        return; // our own, from another session's view
    const QString cid = message.value(QStringLiteral("cid")).toString();
    const auto known = m_received.constFind(cid);
    if (known != m_received.constEnd() && *known != mid)
        ++m_conflictingMids;
    m_received.insert(cid, mid);
}

void FleetClient::onLost()
{
    if (m_comeBack.isActive())
        return; // told twice (an error, then the close)
    if (m_lostAtMs < 0)
        m_lostAtMs = testNowMs(); // away until the next welcome
    m_signedIn = false;
    m_connecting = false;
    m_sendIds.clear();
    if (m_reconnecting)
        m_comeBack.start(200 + QRandomGenerator::global()->bounded(300));
}
