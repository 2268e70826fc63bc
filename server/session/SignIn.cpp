#include "session/SignIn.h"

#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "base/Clock.h"
#include "messages/MessageStore.h"
#include "session/HashingPool.h"
#include "session/Session.h"
#include "session/SignInThrottle.h"

#include <QFuture>
#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcSecurity, "presently.security")

namespace presently {

namespace {
const QString kUnavailable = QStringLiteral("account store unavailable");
const QString kWrongCredentials = QStringLiteral("wrong user, password or token");
} // namespace

SignIn::SignIn(Session &session)
    : m_session(session)
{}

void SignIn::start(const ClientMessage &m)
{
    if (m.type == ClientMessageType::Hello && !m.token.isEmpty())
        withToken(m);
    else if (m.type == ClientMessageType::Hello)
        withPassword(m);
    else
        registerUser(m);
}

StoreResult<SignedIn> SignIn::load(AccountStore *accounts, MessageStore *messages, const QString &user,
                                   const QString &token)
{
    const StoreResult<StoredStatus> status = accounts->status(user);
    if (!status)
        return status.error();
    const StoreResult<qint64> lastMid = messages->lastMid();
    if (!lastMid)
        return lastMid.error();
    return SignedIn{user, token, *status, *lastMid};
}

void SignIn::finish(const StoreResult<SignedIn> &start, const QString &device, const QJsonValue &id)
{
    if (!m_session.isSigningIn())
        return; // closed meanwhile (the sign-in deadline)
    if (start && m_session.atSessionLimit(start->user)) {
        qCInfo(lcSecurity).noquote() << "session cap: user" << start->user << "from"
                                     << m_session.peerAddress().toString() << "refused with 4004";
        // One account's token must not fill the gateway: its own close code, documented.
        m_session.refuse(ErrorCode::RateLimited,
                         QStringLiteral("too many sessions for this user (at most %1 at once)")
                             .arg(m_session.settings().maxSessionsPerUser),
                         id, CloseCode::TooManySessions);
        return;
    }
    if (start)
        m_session.becomeLive(*start, device);
    else
        m_session.refuse(ErrorCode::Unavailable, kUnavailable, id);
}

void SignIn::withToken(const ClientMessage &m)
{
    // No `use`: no such token. `start` only for a token in its lifetime.
    struct Found {
        std::optional<AccountStore::TokenUse> use;
        StoreResult<SignedIn> start = StoreError{};
    };
    const qint64 now = m_session.serverNowMs();
    const auto lookUp = [token = m.token, now](AccountStore *accounts, MessageStore *messages) -> StoreResult<Found> {
        const StoreResult<std::optional<AccountStore::TokenUse>> use = accounts->findToken(token);
        if (!use)
            return use.error();
        Found found{*use};
        if (found.use && !found.use->expired(now))
            found.start = load(accounts, messages, found.use->user, token);
        return found;
    };
    m_session.read<StoreResult<Found>>(lookUp, [this, token = m.token, device = m.device, id = m.id,
                                                now](const StoreResult<Found> &found) {
        if (!found) {
            finish(found.error(), device, id);
            return;
        }
        StoreThread *writes = m_session.services().writes;
        const auto noAnswer = [](const StoreResult<void> &) {};
        if (!found->use || found->use->expired(now)) {
            if (found->use) // pruned; nobody waits for it
                writes->write<void>(
                    writes, [token](AccountStore *a, MessageStore *) { return a->revokeToken(token); }, noAnswer);
            m_session.refuse(ErrorCode::AuthFailed, kWrongCredentials, id);
            return;
        }
        if (found->use->wantsTouch(now))
            writes->write<void>(
                writes, [token, now](AccountStore *a, MessageStore *) { return a->touchToken(token, now); }, noAnswer);
        finish(found->start, device, id);
    });
}

void SignIn::withPassword(const ClientMessage &m)
{
    // Guessing is slowed per account and address before anything is read or hashed.
    const QHostAddress address = m_session.peerAddress();
    SignInThrottle &throttle = m_session.context().signInThrottle();
    if (const qint64 waitMs = throttle.waitMs(m.user, address, Clock::nowMs()); waitMs > 0) {
        const qint64 seconds = (waitMs + 999) / 1000;
        qCInfo(lcSecurity).noquote() << "sign-in throttled: user" << m.user << "from" << address.toString() << "for"
                                     << seconds << "s";
        m_session.refuse(ErrorCode::RateLimited,
                         QStringLiteral("too many failed sign-ins; try again in %1 s").arg(seconds), m.id,
                         CloseCode::Authentication, waitMs);
        return;
    }
    m_session.read<StoreResult<std::optional<QByteArray>>>(
        [user = m.user](AccountStore *accounts, MessageStore *) { return accounts->passwordHash(user); },
        [this, user = m.user, password = m.password, device = m.device,
         id = m.id](const StoreResult<std::optional<QByteArray>> &stored) {
            if (!stored) {
                m_session.refuse(ErrorCode::Unavailable, kUnavailable, id);
                return;
            }
            // Checked off the loop; a right password whose hash has older limits is hashed again
            // in the same job, and stored with the token.
            struct Checked {
                bool ok = false;
                QByteArray rehash;
            };
            if (!claimCheckSlot(id))
                return;
            m_session.queue().beginAsync();
            const bool queued = HashingPool::shared().run<Checked>(
                &m_session, m_wanted,
                [hash = *stored, password] {
                    Checked checked;
                    if (!hash) {
                        PasswordHasher::burnVerifyTime(password);
                        return checked;
                    }
                    checked.ok = PasswordHasher::verify(*hash, password);
                    if (checked.ok && PasswordHasher::needsRehash(*hash))
                        checked.rehash = PasswordHasher::hash(password);
                    return checked;
                },
                [this, user, device, id, known = stored->has_value()](const Checked &checked) {
                    const bool ok = checked.ok;
                    m_checking = false;
                    releaseCheckSlot();
                    noteResult(user, ok, known);
                    if (ok)
                        issueToken(user, device, id, checked.rehash);
                    else
                        m_session.refuse(ErrorCode::AuthFailed, kWrongCredentials, id);
                    m_session.queue().endAsync();
                });
            checkQueued(queued, id);
        });
}

void SignIn::noteResult(const QString &user, bool ok, bool known)
{
    SignInThrottle &throttle = m_session.context().signInThrottle();
    if (ok) {
        throttle.succeeded(user);
        return;
    }
    const QHostAddress address = m_session.peerAddress();
    throttle.failed(user, address, Clock::nowMs());
    qCInfo(lcSecurity).noquote() << "sign-in failed: user" << user << "from" << address.toString()
                                 << (known ? "(wrong password)" : "(no such user)");
}

bool SignIn::claimCheckSlot(const QJsonValue &id)
{
    m_checkSlot = m_session.context().signInThrottle().checkStarted(m_session.peerAddress());
    if (!m_checkSlot.isEmpty())
        return true;
    m_session.refuse(ErrorCode::Unavailable,
                     QStringLiteral("too many sign-ins at once from your address; try again shortly"), id);
    return false;
}

void SignIn::releaseCheckSlot()
{
    if (m_checkSlot.isEmpty())
        return;
    m_session.context().signInThrottle().checkEnded(m_checkSlot);
    m_checkSlot.clear();
}

void SignIn::checkQueued(bool queued, const QJsonValue &id)
{
    if (queued) {
        m_checking = true;
        return;
    }
    releaseCheckSlot();
    // Every password check slot is taken: say so at once, rather than a silent 4001 later.
    m_session.refuse(ErrorCode::Unavailable, QStringLiteral("too many sign-ins at once; try again shortly"), id);
    m_session.queue().endAsync();
}

void SignIn::abandon()
{
    m_wanted->store(false);
    releaseCheckSlot(); // a job not started yet is skipped; one running ends unheeded
}

void SignIn::issueToken(const QString &user, const QString &device, const QJsonValue &id, const QByteArray &rehash)
{
    const qint64 now = m_session.serverNowMs();
    m_session.write<SignedIn>(
        [user, now, rehash](AccountStore *accounts, MessageStore *messages) -> StoreResult<SignedIn> {
            if (!rehash.isEmpty()) {
                if (const StoreResult<void> set = accounts->setPasswordHash(user, rehash); !set)
                    return set.error();
            }
            const StoreResult<QString> token = accounts->issueToken(user, now);
            if (!token)
                return token.error();
            return load(accounts, messages, user, *token);
        },
        [this, device, id](const StoreResult<SignedIn> &start) { finish(start, device, id); });
}

void SignIn::registerUser(const ClientMessage &m)
{
    using Registration = SessionSettings::Registration;
    const Registration policy = m_session.settings().registration;
    if (policy == Registration::Closed || (policy == Registration::Invite && m.invite.isEmpty())) {
        qCInfo(lcSecurity).noquote() << "registration refused: user" << m.user << "from"
                                     << m_session.peerAddress().toString()
                                     << (policy == Registration::Closed ? "(closed)" : "(no invitation)");
        m_session.refuse(ErrorCode::Forbidden,
                         policy == Registration::Closed
                             ? QStringLiteral("registration is closed on this server; ask its admin for an account")
                             : QStringLiteral("registration needs an invitation code (invite)"),
                         m.id);
        return;
    }
    if (!m_session.context().signInThrottle().mayRegister(m_session.peerAddress(), Clock::nowMs())) {
        qCInfo(lcSecurity).noquote() << "registration refused: user" << m.user << "from"
                                     << m_session.peerAddress().toString() << "(too many new accounts from there)";
        m_session.refuse(ErrorCode::RateLimited,
                         QStringLiteral("too many new accounts from your address; try again in an hour"), m.id);
        return;
    }
    m_session.read<StoreResult<bool>>(
        [user = m.user](AccountStore *accounts, MessageStore *) { return accounts->userExists(user); },
        [this, user = m.user, password = m.password, device = m.device, invite = m.invite,
         id = m.id](const StoreResult<bool> &exists) {
            if (!exists || *exists) {
                m_session.refuse(exists ? ErrorCode::UserExists : ErrorCode::Unavailable,
                                 exists ? QStringLiteral("user name is taken") : kUnavailable, id);
                return;
            }
            if (!claimCheckSlot(id))
                return;
            m_session.queue().beginAsync();
            const bool queued = HashingPool::shared().run<QByteArray>(
                &m_session, m_wanted, [password] { return PasswordHasher::hash(password); },
                [this, user, device, invite, id](const QByteArray &hash) {
                    m_checking = false;
                    releaseCheckSlot();
                    create(user, hash, device, invite, id);
                    m_session.queue().endAsync();
                });
            checkQueued(queued, id);
        });
}

void SignIn::create(const QString &user, const QByteArray &hash, const QString &device, const QString &invite,
                    const QJsonValue &id)
{
    if (hash.isEmpty()) {
        m_session.refuse(ErrorCode::Unavailable, QStringLiteral("hashing failed"), id);
        return;
    }
    // Taken meanwhile by someone else: user_exists. The account, its token and what the session
    // starts with, in one job of one commit window.
    struct Created {
        bool taken = false;
        StoreResult<SignedIn> start = StoreError{};
        bool inviteRefused = false;
    };
    const qint64 now = m_session.serverNowMs();
    const bool byInvite = m_session.settings().registration == SessionSettings::Registration::Invite;
    m_session.write<Created>(
        [user, hash, now, byInvite, invite](AccountStore *accounts, MessageStore *messages) -> StoreResult<Created> {
            const StoreResult<AccountStore::CreateResult> created = accounts->createUser(user, hash, now);
            if (!created)
                return created.error();
            if (*created == AccountStore::CreateResult::Exists)
                return Created{true};
            if (byInvite) { // one use of the invitation, only once the name is ours
                const StoreResult<bool> used = accounts->useInvite(invite, now);
                if (!used)
                    return used.error();
                if (!*used) {
                    const StoreResult<bool> undone = accounts->removeUser(user);
                    if (!undone)
                        return undone.error();
                    return Created{false, StoreError{}, true};
                }
            }
            const StoreResult<QString> token = accounts->issueToken(user, now);
            if (!token)
                return token.error();
            const StoreResult<SignedIn> start = load(accounts, messages, user, *token);
            if (!start)
                return start.error(); // nothing of it is kept
            return Created{false, start};
        },
        [this, user, device, id](const StoreResult<Created> &created) {
            if (created && created->taken) {
                m_session.refuse(ErrorCode::UserExists, QStringLiteral("user name is taken"), id);
            } else if (created && created->inviteRefused) {
                qCInfo(lcSecurity).noquote() << "registration refused: user" << user << "from"
                                             << m_session.peerAddress().toString() << "(invitation not valid)";
                m_session.refuse(ErrorCode::Forbidden,
                                 QStringLiteral("the invitation code is not valid (unknown, used up or expired)"), id);
            } else {
                if (created) {
                    m_session.context().signInThrottle().registered(m_session.peerAddress(), Clock::nowMs());
                    qCInfo(lcSecurity).noquote()
                        << "registered: user" << user << "from" << m_session.peerAddress().toString();
                }
                finish(created ? created->start : StoreResult<SignedIn>(created.error()), device, id);
            }
        });
}

} // namespace presently
