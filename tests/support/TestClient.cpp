#include "TestClient.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

qint64 testNowMs()
{
    // Wall-clock ms, as the server's timestamps are (its Clock is the wall time at start plus a
    // monotonic count: the two agree to within drift over a test).
    return QDateTime::currentMSecsSinceEpoch();
}

TestClient::TestClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
        m_log.append({o, testNowMs()});
        m_inbox.append(o);
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        m_closed = true;
        m_closeCode = m_socket.closeCode();
        m_closeReason = m_socket.closeReason();
    });
}

TestClient::~TestClient()
{
    // Qt 6.4's QWebSocket leaks its close reason when destroyed while connected: end it first.
    m_socket.abort();
}

bool TestClient::open(const QUrl &url, int timeoutMs)
{
    m_closed = false;
    m_closeCode = -1;
#ifndef QT_NO_SSL
    m_socket.setSslConfiguration(QSslConfiguration::defaultConfiguration()); // CAs added since
#endif
    m_socket.open(url);
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState || m_closed; },
                           timeoutMs) &&
           m_socket.state() == QAbstractSocket::ConnectedState;
}

void TestClient::send(const QJsonObject &message)
{
    sendText(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
}

void TestClient::sendAll(const QList<QJsonObject> &messages)
{
    for (const QJsonObject &message : messages)
        m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    m_socket.flush();
}

void TestClient::sendText(const QString &text)
{
    m_lastSentAtMs = testNowMs();
    m_socket.sendTextMessage(text);
    m_socket.flush();
}

void TestClient::sendBinary(const QByteArray &data)
{
    m_lastSentAtMs = testNowMs();
    m_socket.sendBinaryMessage(data);
    m_socket.flush();
}

std::optional<QJsonObject> TestClient::waitFor(const Predicate &match, int timeoutMs)
{
    std::optional<QJsonObject> found;
    [[maybe_unused]] const bool done = QTest::qWaitFor(
        [&] {
            for (qsizetype i = 0; i < m_inbox.size(); ++i) {
                if (match(m_inbox.at(i))) {
                    found = m_inbox.takeAt(i);
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
    return found;
}

std::optional<QJsonObject> TestClient::waitForType(const QString &type, int timeoutMs)
{
    return waitFor([type](const QJsonObject &o) { return o.value(QStringLiteral("type")).toString() == type; },
                   timeoutMs);
}

namespace {
QJsonArray presenceEntries(const QJsonObject &o)
{
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("presence"))
        return o.value(QStringLiteral("users")).toArray();
    if (type == QLatin1String("contacts"))
        return o.value(QStringLiteral("contacts")).toArray();
    return {};
}
} // namespace

std::optional<QJsonObject> TestClient::waitForPresence(const QString &user, const QString &status, int timeoutMs)
{
    std::optional<QJsonObject> entry;
    [[maybe_unused]] const auto taken = waitFor(
        [&](const QJsonObject &o) {
            for (const QJsonValue &v : presenceEntries(o)) {
                const QJsonObject e = v.toObject();
                if (e.value(QStringLiteral("user")).toString() == user &&
                    e.value(QStringLiteral("status")).toString() == status) {
                    entry = e;
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
    return entry;
}

QList<QPair<QString, qint64>> TestClient::presenceHistory(const QString &user) const
{
    QList<QPair<QString, qint64>> history;
    for (const Received &r : m_log) {
        for (const QJsonValue &v : presenceEntries(r.message)) {
            const QJsonObject e = v.toObject();
            if (e.value(QStringLiteral("user")).toString() == user)
                history.append({e.value(QStringLiteral("status")).toString(), r.atMs});
        }
    }
    return history;
}

bool TestClient::waitForClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_closed; }, timeoutMs);
}

std::optional<QJsonObject> TestClient::signIn(const QUrl &url, const QString &user, const QString &password,
                                              bool create, const QString &device)
{
    if (!isConnected() && !open(url))
        return std::nullopt;
    send(QJsonObject{{QStringLiteral("type"), create ? QStringLiteral("register") : QStringLiteral("hello")},
                     {QStringLiteral("v"), 1},
                     {QStringLiteral("user"), user},
                     {QStringLiteral("password"), password},
                     {QStringLiteral("device"), device}});
    const std::optional<QJsonObject> welcome = waitForType(QStringLiteral("welcome"), 20000);
    if (!welcome || !waitForType(QStringLiteral("contacts"), 5000))
        return std::nullopt;
    return welcome;
}

std::optional<QJsonObject> TestClient::request(QJsonObject message, int timeoutMs)
{
    const int id = m_nextId++;
    message.insert(QStringLiteral("id"), id);
    send(message);
    return waitFor([id](const QJsonObject &o) { return o.value(QStringLiteral("id")).toInt(-1) == id; }, timeoutMs);
}

void TestClient::closeCleanly()
{
    m_socket.close(QWebSocketProtocol::CloseCodeNormal);
}

void TestClient::dropUncleanly()
{
    m_socket.abort();
}
