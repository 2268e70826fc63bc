#include "session/AccountRequests.h"

#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "base/Clock.h"
#include "events/EventBus.h"
#include "session/HashingPool.h"
#include "session/Session.h"
#include "session/SignInThrottle.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSecurity)

namespace presently {

namespace {
const QString kUnavailable = QStringLiteral("account store unavailable");
} // namespace

AccountRequests::AccountRequests(Session &session)
    : m_session(session)
{}

bool AccountRequests::revokes(const UserEvents::TokensRevoked &event, const QString &tokenDigest)
{
    return event.allBut ? event.digest != tokenDigest : event.digest == tokenDigest;
}

void AccountRequests::revoked(const UserEvents::TokensRevoked &event)
{
    // To every gateway, this one included: each ends the sessions of the tokens revoked.
    m_session.services().bus->publish(m_session.user(), event);
}

void AccountRequests::logout(const ClientMessage &)
{
    // Revoked (committed) before the session ends: the token cannot sign in again, and every
    // other session signed in with it ends too.
    const QString token = m_session.token();
    m_session.write<void>([token](AccountStore *accounts, MessageStore *) { return accounts->revokeToken(token); },
                          [this, token](const StoreResult<void> &done) {
                              if (done)
                                  revoked({PasswordHasher::tokenDigest(token), false});
                              m_session.endSession(CloseCode::Normal, QStringLiteral("logged out"));
                          });
}

void AccountRequests::logoutAll(const ClientMessage &m)
{
    const QString user = m_session.user();
    m_session.write<int>([user](AccountStore *accounts, MessageStore *) { return accounts->revokeTokensOf(user); },
                         [this, user, id = m.id](const StoreResult<int> &count) {
                             if (!count) {
                                 m_session.sendError(ErrorCode::Unavailable, kUnavailable, id);
                                 return;
                             }
                             qCInfo(lcSecurity).noquote()
                                 << "logout_all: user" << user << "from" << m_session.peerAddress().toString()
                                 << "ended" << *count << "tokens";
                             m_session.sendOk(id);
                             revoked({QString(), true}); // this session's token too: it ends with the rest
                         });
}

void AccountRequests::changePassword(const ClientMessage &m)
{
    const QString user = m_session.user();
    const QHostAddress address = m_session.peerAddress();
    SignInThrottle &throttle = m_session.context().signInThrottle();
    if (const qint64 waitMs = throttle.waitMs(user, address, Clock::nowMs()); waitMs > 0) {
        m_session.sendError(ErrorCode::RateLimited,
                            QStringLiteral("too many wrong passwords; try again in %1 s").arg((waitMs + 999) / 1000),
                            m.id, waitMs);
        return;
    }
    m_session.read<StoreResult<std::optional<QByteArray>>>(
        [user](AccountStore *accounts, MessageStore *) { return accounts->passwordHash(user); },
        [this, user, address, oldPassword = m.oldPassword, newPassword = m.password,
         id = m.id](const StoreResult<std::optional<QByteArray>> &stored) {
            if (!stored || !*stored) {
                m_session.sendError(ErrorCode::Unavailable, kUnavailable, id);
                return;
            }
            // Check the old password, then hash the new one, both off the loop; this session's
            // later frames wait.
            struct Outcome {
                bool oldMatched = false;
                QByteArray newHash;
            };
            m_session.queue().beginAsync();
            const bool queued = HashingPool::shared().run<Outcome>(
                &m_session, m_wanted,
                [hash = **stored, oldPassword, newPassword] {
                    Outcome outcome;
                    outcome.oldMatched = PasswordHasher::verify(hash, oldPassword);
                    if (outcome.oldMatched)
                        outcome.newHash = PasswordHasher::hash(newPassword);
                    return outcome;
                },
                [this, user, address, id](const Outcome &outcome) {
                    SignInThrottle &throttle = m_session.context().signInThrottle();
                    if (!outcome.oldMatched) {
                        throttle.failed(user, address, Clock::nowMs());
                        qCInfo(lcSecurity).noquote() << "password change refused: user" << user << "from"
                                                     << address.toString() << "(wrong password)";
                        m_session.sendError(ErrorCode::AuthFailed, QStringLiteral("the old password is wrong"), id);
                    } else if (outcome.newHash.isEmpty()) {
                        m_session.sendError(ErrorCode::Unavailable, QStringLiteral("hashing failed"), id);
                    } else {
                        throttle.succeeded(user);
                        storeNewPassword(outcome.newHash, id);
                    }
                    m_session.queue().endAsync();
                });
            if (!queued) {
                m_session.sendError(ErrorCode::Unavailable, QStringLiteral("too many password checks at once"), id);
                m_session.queue().endAsync();
            }
        });
}

void AccountRequests::storeNewPassword(const QByteArray &hash, const QJsonValue &id)
{
    // The new hash and the end of every other token, in one commit: no window where the old
    // password's sessions outlive the change.
    const QString user = m_session.user();
    const QString keep = PasswordHasher::tokenDigest(m_session.token());
    m_session.write<int>(
        [user, hash, keep](AccountStore *accounts, MessageStore *) -> StoreResult<int> {
            const StoreResult<void> set = accounts->setPasswordHash(user, hash);
            if (!set)
                return set.error();
            return accounts->revokeTokensOf(user, keep);
        },
        [this, user, keep, id](const StoreResult<int> &count) {
            if (!count) {
                m_session.sendError(ErrorCode::Unavailable, kUnavailable, id);
                return;
            }
            qCInfo(lcSecurity).noquote() << "password changed: user" << user << "from"
                                         << m_session.peerAddress().toString() << "ended" << *count << "other tokens";
            m_session.sendOk(id);
            revoked({keep, true});
        });
}

} // namespace presently
