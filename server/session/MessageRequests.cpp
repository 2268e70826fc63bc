#include "session/MessageRequests.h"

#include "accounts/AccountStore.h"
#include "base/Clock.h"
#include "events/EventBus.h"
#include "messages/MessageStore.h"
#include "metrics/Metrics.h"
#include "protocol/ServerMessages.h"
#include "session/Session.h"

#include <QPointer>
#include <limits>
#include <optional>

namespace presently {

MessageRequests::MessageRequests(Session &session)
    : m_session(session)
{}

void MessageRequests::startLive(qint64 lastMid)
{
    m_lastDeliveredMid = lastMid;
}

void MessageRequests::send(const ClientMessage &m)
{
    const QString &self = m_session.user();
    // Refused before anything is written: a disk that may not take the row, a day's quota used.
    if (m_session.context().diskNearlyFull()) {
        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("the server's disk is nearly full; try again later"),
                            m.id);
        return;
    }
    if (const qint64 waitMs = m_session.context().takeDailyMessage(self, m.body.toUtf8().size(), Clock::nowMs());
        waitMs > 0) {
        m_session.sendError(ErrorCode::RateLimited, QStringLiteral("today's message quota is used up"), m.id, waitMs);
        return;
    }
    StoredMessage message;
    message.cid = m.cid;
    message.from = self;
    message.to = m.to;
    message.body = m.body;
    message.ts = m_session.serverNowMs();
    message.senderSession = m_session.sessionId();
    // Checked and stored in one job of the next commit window.
    using Outcome = SendOutcome;
    const auto store = [message](AccountStore *accounts, MessageStore *messages) -> StoreResult<Outcome> {
        // A resend of a known cid answers the original, whatever its body, and delivers nothing.
        const StoreResult<std::optional<StoredMessage>> known = messages->findByCid(message.from, message.cid);
        if (!known)
            return known.error();
        if (*known)
            return Outcome{Outcome::Kind::Stored, {false, **known}};
        const StoreResult<bool> exists =
            message.to == message.from ? StoreResult<bool>(true) : accounts->userExists(message.to);
        if (!exists)
            return exists.error();
        if (!*exists)
            return Outcome{Outcome::Kind::NoSuchUser, {}};
        const StoreResult<bool> contact = accounts->areContacts(message.from, message.to);
        if (!contact)
            return contact.error();
        if (!*contact)
            return Outcome{Outcome::Kind::NotContact, {}};
        const StoreResult<MessageStore::Inserted> inserted = messages->insert(message);
        if (!inserted)
            return inserted.error();
        return Outcome{Outcome::Kind::Stored, *inserted};
    };
    // Not Session::write: once stored, the recipient hears of it even if the sender is gone.
    StoreThread *writes = m_session.services().writes;
    m_session.queue().beginAsync();
    writes->write<Outcome>(writes, store,
                           [session = QPointer<Session>(&m_session), bus = m_session.services().bus, from = self,
                            to = m.to, id = m.id](const StoreResult<Outcome> &outcome) {
                               const bool created = outcome && outcome->inserted.created;
                               if (session)
                                   answerSend(*session, outcome, id);
                               if (created) {
                                   const UserEvent event = UserEvents::MessageStored{outcome->inserted.message.mid};
                                   bus->publish(to, event);
                                   if (to != from)
                                       bus->publish(from, event);
                               }
                               if (session)
                                   session->queue().endAsync();
                           });
}

void MessageRequests::answerSend(Session &session, const StoreResult<SendOutcome> &outcome, const QJsonValue &id)
{
    if (!outcome) {
        session.sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable; send again"), id);
        return;
    }
    switch (outcome->kind) {
    case SendOutcome::Kind::NoSuchUser:
        session.sendError(ErrorCode::NotFound, QStringLiteral("no such user"), id);
        return;
    case SendOutcome::Kind::NotContact:
        session.sendError(ErrorCode::Forbidden, QStringLiteral("only contacts can message each other"), id);
        return;
    case SendOutcome::Kind::Stored: {
        // Committed: only now is it acknowledged. (On a closed session the client resends by cid
        // after reconnecting and hears of the original.)
        const StoredMessage &stored = outcome->inserted.message;
        ++Metrics::loop().messagesStored;
        session.send(ServerMessages::sent(stored.cid, stored.mid, stored.ts, id));
        return;
    }
    }
}

void MessageRequests::deliverUpTo(qint64 mid)
{
    constexpr int kPage = 500;
    if (!m_session.isLive() || mid <= m_lastDeliveredMid)
        return;
    m_session.read<StoreResult<MessagePage>>(
        [user = m_session.user(), after = m_lastDeliveredMid, mid](AccountStore *, MessageStore *messages) {
            return messages->forUser(user, after, mid, kPage);
        },
        [this, mid](const StoreResult<MessagePage> &page) {
            if (!page || !m_session.isLive())
                return; // the store is failing: the next event or a catch-up tries again
            for (const StoredMessage &message : page->messages) {
                if (message.mid <= m_lastDeliveredMid)
                    continue;
                if (message.senderSession != m_session.sessionId()) {
                    ++Metrics::loop().messagesDelivered;
                    m_session.send(message.toJson());
                }
                m_lastDeliveredMid = message.mid;
            }
            if (page->more)
                deliverUpTo(mid); // this session's next frames still wait: the read nests
        });
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
    m_session.chargeForReply(page->bytes); // a big page costs like several requests
}

void MessageRequests::sync(const ClientMessage &m)
{
    m_session.read<StoreResult<MessagePage>>(
        [user = m_session.user(), after = m.after](AccountStore *, MessageStore *messages) {
            return messages->forUser(user, after, std::numeric_limits<qint64>::max(), 500);
        },
        [this, id = m.id](const StoreResult<MessagePage> &page) { sendPage(page, id); });
}

void MessageRequests::history(const ClientMessage &m)
{
    // Empty: no such user.
    using Found = std::optional<MessagePage>;
    m_session.read<StoreResult<Found>>(
        [self = m_session.user(), with = m.with, before = m.before.value_or(0),
         limit = m.limit](AccountStore *accounts, MessageStore *messages) -> StoreResult<Found> {
            const StoreResult<bool> exists = with == self ? StoreResult<bool>(true) : accounts->userExists(with);
            if (!exists)
                return exists.error();
            if (!*exists)
                return Found();
            const StoreResult<MessagePage> page = messages->conversation(self, with, before, limit);
            if (!page)
                return page.error();
            return Found(*page);
        },
        [this, id = m.id](const StoreResult<Found> &found) {
            if (found && !*found)
                m_session.sendError(ErrorCode::NotFound, QStringLiteral("no such user"), id);
            else
                sendPage(found ? StoreResult<MessagePage>(**found) : StoreResult<MessagePage>(found.error()), id);
        });
}

namespace {
constexpr qint64 kNotAContact = -1; // what a read job answers for a user who is not a contact
} // namespace

void MessageRequests::read(const ClientMessage &m)
{
    const QString self = m_session.user();
    // Read marks are shared with contacts only, as presence and typing are (an unknown user is
    // still not_found).
    const bool contact = m_session.roster().isContact(m.with);
    // Empty: no such conversation. Else the mark it moved to (0: it did not move; kNotAContact).
    using Moved = std::optional<qint64>;
    const auto write = [self, with = m.with, mid = m.mid, contact](AccountStore *accounts,
                                                                   MessageStore *messages) -> StoreResult<Moved> {
        const StoreResult<bool> exists = with == self ? StoreResult<bool>(false) : accounts->userExists(with);
        if (!exists)
            return exists.error();
        if (!*exists)
            return Moved();
        if (!contact)
            return Moved(kNotAContact);
        const StoreResult<qint64> moved = messages->markRead(self, with, mid);
        if (!moved)
            return moved.error();
        return Moved(*moved);
    };
    m_session.write<Moved>(write, [this, self, with = m.with, id = m.id](const StoreResult<Moved> &moved) {
        if (!moved) {
            m_session.sendError(ErrorCode::Unavailable, QStringLiteral("message store unavailable"), id);
            return;
        }
        if (!*moved) {
            m_session.sendError(ErrorCode::NotFound, QStringLiteral("no such conversation"), id);
            return;
        }
        if (**moved == kNotAContact) {
            m_session.sendError(ErrorCode::Forbidden, QStringLiteral("read marks only with contacts"), id);
            return;
        }
        m_session.sendOk(id);
        if (**moved == 0)
            return; // only forward, and never past the newest message: nothing changed
        const UserEvent event = UserEvents::ReadMoved{self, with, **moved, m_session.sessionId()};
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
    // Relayed, never stored; a repeat of "typing" within 2 s is not relayed again (receivers keep
    // the state 6 s), so a client that repeats it on every key costs one relay per 2 s.
    const qint64 now = Clock::nowMs();
    const auto last = m_typingRelayedAt.constFind(m.to);
    const bool repeat = m.state && last != m_typingRelayedAt.cend() && now - *last < kTypingRelayIntervalMs;
    if (!repeat) {
        if (m.state)
            m_typingRelayedAt.insert(m.to, now);
        else
            m_typingRelayedAt.remove(m.to);
        m_session.services().bus->publish(m.to, UserEvents::Typing{m_session.user(), m.state});
    }
    m_session.sendOk(m.id);
}

} // namespace presently
