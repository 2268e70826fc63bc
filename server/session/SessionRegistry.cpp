#include "session/SessionRegistry.h"

#include "events/EventBus.h"
#include "net/MessageChannel.h"
#include "presence/PresenceHub.h"
#include "presence/PresenceStore.h"
#include "protocol/ServerMessages.h"
#include "session/Session.h"

#include "base/Clock.h"

#include <QAbstractEventDispatcher>
#include <QStorageInfo>
#include <QTimer>
#include <algorithm>
#include <memory>

namespace presently {

SessionRegistry::SessionRegistry(const SessionServices &services, const SessionSettings &settings, QObject *parent)
    : QObject(parent)
    , m_services(services)
    , m_settings(settings)
    , m_signInThrottle(settings.signInThrottle)
{
    connect(m_services.bus, &EventBus::eventReceived, this, &SessionRegistry::onUserEvent);
    connect(m_services.bus, &EventBus::eventsMayHaveBeenLost, this, &SessionRegistry::catchUpAll);
    connect(m_services.presence, &PresenceStore::sessionExpired, this, &SessionRegistry::onSessionExpired);
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(thread()))
        connect(dispatcher, &QAbstractEventDispatcher::awake, this, [this] { ++m_loopTurn; });
}

SessionRegistry::~SessionRegistry()
{
    // Sessions unwatch the hub when they go: delete them while it still exists.
    const QSet<Session *> sessions = std::exchange(m_sessions, {});
    qDeleteAll(sessions);
}

void SessionRegistry::adopt(MessageChannel *channel)
{
    auto *session = new Session(channel, m_services, this, m_settings, this);
    m_sessions.insert(session);
    connect(session, &QObject::destroyed, this, [this, session] { m_sessions.remove(session); });
}

void SessionRegistry::sessionLive(Session *session)
{
    QSet<Session *> &sessions = m_byUser[session->user()];
    if (sessions.isEmpty())
        m_services.bus->listen(session->user());
    sessions.insert(session);
    m_bySession.insert(session->sessionId(), session);
}

void SessionRegistry::sessionGone(Session *session)
{
    if (session->sessionId().isEmpty())
        return;
    m_bySession.remove(session->sessionId());
    const auto it = m_byUser.find(session->user());
    if (it == m_byUser.end())
        return;
    it->remove(session);
    if (it->isEmpty()) {
        m_byUser.erase(it);
        m_userBuckets.remove(session->user());
        m_services.bus->unlisten(session->user());
    }
}

qint64 SessionRegistry::takeDailyMessage(const QString &user, qint64 bytes, qint64 nowMs)
{
    constexpr qint64 kDayMs = 24LL * 3600 * 1000;
    if (m_settings.dailyMessagesPerUser <= 0 && m_settings.dailyMessageBytesPerUser <= 0)
        return 0;
    const qint64 day = nowMs / kDayMs;
    if (day != m_quotaDay) { // a new day: everyone starts again (and yesterday's entries go)
        m_quotaDay = day;
        m_dailyUse.clear();
    }
    DailyUse &use = m_dailyUse[user];
    const bool overCount = m_settings.dailyMessagesPerUser > 0 && use.messages >= m_settings.dailyMessagesPerUser;
    const bool overBytes =
        m_settings.dailyMessageBytesPerUser > 0 && use.bytes + bytes > m_settings.dailyMessageBytesPerUser;
    if (overCount || overBytes)
        return (day + 1) * kDayMs - nowMs;
    ++use.messages;
    use.bytes += bytes;
    return 0;
}

bool SessionRegistry::diskNearlyFull()
{
    if (m_settings.storagePath.isEmpty() || m_settings.minFreeDiskBytes <= 0)
        return false;
    const qint64 now = Clock::nowMs();
    if (m_diskCheckedAtMs < 0 || now - m_diskCheckedAtMs >= 1000) {
        m_diskCheckedAtMs = now;
        const QStorageInfo storage(m_settings.storagePath);
        m_diskNearlyFull = storage.isValid() && storage.bytesAvailable() < m_settings.minFreeDiskBytes;
    }
    return m_diskNearlyFull;
}

QString SessionRegistry::busiest(int count) const
{
    const auto top = [count](const QHash<QString, int> &counts) {
        QList<QPair<int, QString>> ranked;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it)
            ranked.append({it.value(), it.key()});
        std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
        QStringList parts;
        for (qsizetype i = 0; i < std::min<qsizetype>(count, ranked.size()); ++i)
            parts.append(QStringLiteral("%1 %2").arg(ranked.at(i).second).arg(ranked.at(i).first));
        return parts.join(QStringLiteral(", "));
    };
    QHash<QString, int> users;
    for (auto it = m_byUser.cbegin(); it != m_byUser.cend(); ++it)
        users.insert(it.key(), static_cast<int>(it.value().size()));
    QHash<QString, int> addresses;
    for (Session *session : m_sessions)
        ++addresses[session->peerAddress().toString()];
    return QStringLiteral("Top users: %1; top addresses: %2.").arg(top(users), top(addresses));
}

TokenBucket &SessionRegistry::userBucket(const QString &user)
{
    auto it = m_userBuckets.find(user);
    if (it == m_userBuckets.end())
        it = m_userBuckets.insert(user, TokenBucket(m_settings.limits.rateBurst, m_settings.limits.ratePerSecond));
    return *it;
}

int SessionRegistry::liveSessionCount() const
{
    int live = 0;
    for (const QSet<Session *> &sessions : m_byUser)
        live += int(sessions.size());
    return live;
}

QByteArray SessionRegistry::presenceFrame(const UserPresence &presence)
{
    const qint64 now = m_services.presence->nowMs();
    if (now != m_framedAtMs || !(presence == m_framedPresence)) {
        m_presenceFrame = ServerMessages::toFrame(ServerMessages::presence(PresenceHub::asSeenAt({presence}, now)));
        m_framedPresence = presence;
        m_framedAtMs = now;
    }
    return m_presenceFrame;
}

void SessionRegistry::onUserEvent(const QString &user, const UserEvent &event)
{
    const QSet<Session *> sessions = m_byUser.value(user);
    for (Session *session : sessions)
        session->handleUserEvent(event);
}

void SessionRegistry::onSessionExpired(const QString &sessionId)
{
    if (Session *session = m_bySession.value(sessionId))
        session->expire();
}

void SessionRegistry::catchUpAll()
{
    // The bus lost its connection: whatever it carried meanwhile is in SQL.
    for (auto it = m_byUser.cbegin(); it != m_byUser.cend(); ++it) {
        for (Session *session : it.value())
            session->handleUserEvent(UserEvents::CatchUp{});
    }
}

void SessionRegistry::shutdown(std::function<void()> done)
{
    m_services.presence->detachAll();
    const QSet<Session *> sessions = m_sessions;
    for (Session *session : sessions)
        session->goAway();
    // Give close frames a moment to go out; clients that do not answer are not waited for.
    auto *timer = new QTimer(this);
    timer->setInterval(20);
    auto waited = std::make_shared<qint64>(0);
    connect(timer, &QTimer::timeout, this, [this, timer, waited, done = std::move(done)] {
        *waited += timer->interval();
        if (m_sessions.isEmpty() || *waited >= 1000) {
            timer->stop();
            timer->deleteLater();
            done();
        }
    });
    timer->start();
}

} // namespace presently
