#include "session/MessageRequests.h"

#include "accounts/AccountStore.h"
#include "events/EventBus.h"
#include "messages/MessageStore.h"
#include "protocol/ServerMessages.h"
#include "session/Session.h"

#include <QPointer>
#include <limits>

namespace presently {

MessageRequests::MessageRequests(Session &session)
    : m_session(session)
{}

bool MessageRequests::startLive()
{
    const StoreResult<qint64> last = m_session.services().messages->lastMid();
    if (!last)
        return false;
    m_lastDeliveredMid = *last;
    return true;
}

void MessageRequests::send(const ClientMessage &m)
{
    MessageStore *store = m_session.services().messages;
    const QString &self = m_session.user();
    // A resend of a known cid answers the original, whatever its body, and delivers nothing.
    const StoreResult<std::optional<StoredMessage>> known = store->findByCid(self, m.cid);
    if (!known) {
        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable; send again"), m.id);
        return;
    }
    if (const std::optional<StoredMessage> &original = *known) {
        m_session.send(ServerMessages::sent(original->cid, original->mid, original->ts, m.id));
        return;
    }
    AccountStore *accounts = m_session.services().accounts;
    const StoreResult<bool> exists = m.to == self ? StoreResult<bool>(true) : accounts->userExists(m.to);
    const StoreResult<bool> contact = exists && *exists ? accounts->areContacts(self, m.to) : exists;
    if (!contact) {
        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), m.id);
        return;
    }
    if (!*exists) {
        m_session.sendError(ErrorCode::NotFound, QStringLiteral("no such user"), m.id);
        return;
    }
    if (!*contact) {
        m_session.sendError(ErrorCode::Forbidden, QStringLiteral("only contacts can message each other"), m.id);
        return;
    }
    // This connection's next requests wait for the commit, so that answers keep their order.
    m_session.queue().beginAsync();
    store->send(self, m.to, m.cid, m.body, m_session.sessionId(), m_session.serverNowMs(),
                [session = QPointer<Session>(&m_session), bus = m_session.services().bus, from = self, to = m.to,
                 id = m.id](const MessageStore::SendResult &result) {
                    if (session) {
                        if (!result.ok) {
                            session->sendError(ErrorCode::Unavailable,
                                               QStringLiteral("message store unavailable; send again"), id);
                        } else {
                            // Committed: only now is it acknowledged. (On a closed session the
                            // client resends by cid after reconnecting; send() drops it.)
                            session->send(
                                ServerMessages::sent(result.message.cid, result.message.mid, result.message.ts, id));
                        }
                    }
                    if (result.ok && result.created) {
                        // Stored: its recipient hears of it, even if its sender is gone meanwhile.
                        const UserEvent event = UserEvents::MessageStored{result.message.mid};
                        bus->publish(to, event);
                        if (to != from)
                            bus->publish(from, event);
                    }
                    if (session)
                        session->queue().endAsync();
                });
}

void MessageRequests::deliverUpTo(qint64 mid)
{
    constexpr int kPage = 500;
    while (m_session.isLive() && mid > m_lastDeliveredMid) {
        const StoreResult<MessagePage> page =
            m_session.services().messages->forUser(m_session.user(), m_lastDeliveredMid, mid, kPage);
        if (!page)
            return; // the store is failing: the next event or a catch-up tries again
        for (const StoredMessage &message : page->messages) {
            if (message.senderSession != m_session.sessionId())
                m_session.send(message.toJson());
            m_lastDeliveredMid = message.mid;
        }
        if (!page->more)
            break;
    }
}

void MessageRequests::deliverAll()
{
    deliverUpTo(std::numeric_limits<qint64>::max());
}

void MessageRequests::sendPage(const StoreResult<MessagePage> &page, const QJsonValue &id)
{
    if (!page) {
        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable"), id);
        return;
    }
    m_session.send(ServerMessages::messages({page->messages.cbegin(), page->messages.cend()}, page->more, id));
}

void MessageRequests::sync(const ClientMessage &m)
{
    sendPage(m_session.services().messages->forUser(m_session.user(), m.after, std::numeric_limits<qint64>::max(), 500),
             m.id);
}

void MessageRequests::history(const ClientMessage &m)
{
    if (m.with != m_session.user()) {
        const StoreResult<bool> exists = m_session.services().accounts->userExists(m.with);
        if (!exists || !*exists) {
            m_session.sendError(exists ? ErrorCode::NotFound : ErrorCode::Unavailable,
                                exists ? QStringLiteral("no such user") : QStringLiteral("account store unavailable"),
                                m.id);
            return;
        }
    }
    sendPage(m_session.services().messages->conversation(m_session.user(), m.with, m.before.value_or(0), m.limit),
             m.id);
}

void MessageRequests::read(const ClientMessage &m)
{
    const QString self = m_session.user();
    // Whether the mark moved forward (the write waits for its commit), or why not.
    struct Marked {
        StoreResult<bool> exists;
        StoreResult<bool> moved;
    };
    const auto write = [self, with = m.with, mid = m.mid](AccountStore *accounts, MessageStore *messages) {
        Marked marked{with == self ? StoreResult<bool>(false) : accounts->userExists(with), StoreResult<bool>(false)};
        if (marked.exists && *marked.exists)
            marked.moved = messages->markRead(self, with, mid);
        return marked;
    };
    m_session.onSqlThread<Marked>(write, [this, self, with = m.with, mid = m.mid, id = m.id](const Marked &marked) {
        if (!marked.exists || !*marked.exists) {
            m_session.sendError(marked.exists ? ErrorCode::NotFound : ErrorCode::Unavailable,
                                marked.exists ? QStringLiteral("no such conversation")
                                              : QStringLiteral("account store unavailable"),
                                id);
            return;
        }
        if (!marked.moved) {
            m_session.sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable"), id);
            return;
        }
        m_session.sendOk(id);
        if (!*marked.moved)
            return; // only forward: an older mark changes nothing
        const UserEvent event = UserEvents::ReadMoved{self, with, mid, m_session.sessionId()};
        m_session.services().bus->publish(with, event);
        m_session.services().bus->publish(self, event);
    });
}

void MessageRequests::typing(const ClientMessage &m)
{
    if (!m_session.roster().isContact(m.to)) {
        m_session.sendError(ErrorCode::Forbidden, QStringLiteral("only contacts can see typing"), m.id);
        return;
    }
    // Relayed, never stored.
    m_session.services().bus->publish(m.to, UserEvents::Typing{m_session.user(), m.state});
    m_session.sendOk(m.id);
}

} // namespace presently
