#include "session/PresenceRequests.h"

#include "metrics/Metrics.h"
#include "presence/PresenceHub.h"
#include "presence/PresenceStore.h"
#include "protocol/ServerMessages.h"
#include "session/Session.h"
#include "storage/StoreThread.h"

#include <QPointer>

namespace presently {

PresenceRequests::PresenceRequests(Session &session)
    : m_session(session)
{}

void PresenceRequests::heartbeat(const ClientMessage &m)
{
    PresenceStore *presence = m_session.services().presence;
    ++Metrics::loop().heartbeats;
    if (m.activity) {
        ++Metrics::loop().presenceWrites;
        presence->setActivity(m_session.sessionId(), *m.activity);
    }
    if (m.id.isUndefined())
        m_session.sendFrame(ServerMessages::heartbeatAckFrame(presence->nowMs()));
    else
        m_session.send(ServerMessages::heartbeatAck(presence->nowMs(), m.id));
}

void PresenceRequests::setStatus(const ClientMessage &m)
{
    // Committed (one row write for all of this user's changes in the commit window) and read
    // back; then in effect in presence, then `ok`.
    Session &session = m_session;
    session.services().writes->writeStatus(
        &session, session.user(), m.mode, m.text,
        session.inOrder<StoreResult<StoredStatus>>([&session, id = m.id](const StoreResult<StoredStatus> &status) {
            if (!status) {
                session.sendError(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
                return;
            }
            ++Metrics::loop().presenceWrites;
            session.services().presence->setMode(session.user(), *status);
            session.sendOk(id);
        }));
}

void PresenceRequests::watchOrQuery(const ClientMessage &m)
{
    Roster &roster = m_session.roster();
    if (m.type == ClientMessageType::Unsubscribe) {
        for (const QString &user : m.users)
            roster.unwatch(user);
        m_session.sendOk(m.id);
        return;
    }
    QStringList visible;
    for (const QString &user : m.users) {
        if (roster.mayWatch(user)) {
            visible.append(user);
            if (m.type == ClientMessageType::Subscribe)
                roster.watch(user);
        }
    }
    m_session.queue().beginAsync();
    m_session.services().hub->current(visible, [session = QPointer<Session>(&m_session), asked = m.users,
                                                id = m.id](bool ok, const QList<UserPresence> &found) {
        if (!session)
            return;
        if (!ok) {
            session->sendError(ErrorCode::Unavailable, QStringLiteral("presence store unavailable"), id);
        } else {
            QHash<QString, UserPresence> byUser;
            for (const UserPresence &p : found)
                byUser.insert(p.user, p);
            QList<UserPresence> answer;
            for (const QString &user : asked)
                answer.append(byUser.value(user, UserPresence::unknown(user)));
            session->send(ServerMessages::presence(PresenceHub::asSeenAt(answer, session->serverNowMs()), id));
        }
        session->queue().endAsync();
    });
}

} // namespace presently
