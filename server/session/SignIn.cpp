#include "session/SignIn.h"

#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "session/Session.h"

#include <QFuture>
#include <QtConcurrent/QtConcurrentRun>

namespace presently {

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

void SignIn::withToken(const ClientMessage &m)
{
    const StoreResult<std::optional<QString>> user =
        m_session.services().accounts->userForToken(m.token, m_session.serverNowMs());
    if (!user)
        m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), m.id);
    else if (*user)
        m_session.becomeLive(**user, m.token, m.device, m.id);
    else
        m_session.refuse(ErrorCode::AuthFailed, QStringLiteral("wrong user, password or token"), m.id);
}

void SignIn::withPassword(const ClientMessage &m)
{
    const StoreResult<std::optional<QByteArray>> stored = m_session.services().accounts->passwordHash(m.user);
    if (!stored) {
        m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), m.id);
        return;
    }
    m_session.queue().beginAsync();
    QtConcurrent::run([hash = *stored, password = m.password] {
        if (!hash) {
            PasswordHasher::burnVerifyTime(password);
            return false;
        }
        return PasswordHasher::verify(*hash, password);
    }).then(&m_session, [this, user = m.user, id = m.id, device = m.device](bool ok) {
        if (ok) {
            const StoreResult<QString> token = m_session.services().accounts->issueToken(user, m_session.serverNowMs());
            if (token)
                m_session.becomeLive(user, *token, device, id);
            else
                m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        } else {
            m_session.refuse(ErrorCode::AuthFailed, QStringLiteral("wrong user, password or token"), id);
        }
        m_session.queue().endAsync();
    });
}

void SignIn::registerUser(const ClientMessage &m)
{
    const StoreResult<bool> exists = m_session.services().accounts->userExists(m.user);
    if (!exists || *exists) {
        m_session.refuse(exists ? ErrorCode::UserExists : ErrorCode::Unavailable,
                         exists ? QStringLiteral("user name is taken") : QStringLiteral("account store unavailable"),
                         m.id);
        return;
    }
    m_session.queue().beginAsync();
    QtConcurrent::run([password = m.password] {
        return PasswordHasher::hash(password);
    }).then(&m_session, [this, user = m.user, id = m.id, device = m.device](const QByteArray &hash) {
        AccountStore *store = m_session.services().accounts;
        const qint64 now = m_session.serverNowMs();
        const StoreResult<AccountStore::CreateResult> created =
            hash.isEmpty() ? StoreResult<AccountStore::CreateResult>(StoreError{QStringLiteral("hashing failed")})
                           : store->createUser(user, hash, now);
        const StoreResult<QString> token = created && *created == AccountStore::CreateResult::Created
                                               ? store->issueToken(user, now)
                                               : StoreResult<QString>(QString());
        if (created && *created == AccountStore::CreateResult::Exists)
            m_session.refuse(ErrorCode::UserExists, QStringLiteral("user name is taken"), id);
        else if (!created || !token)
            m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        else
            m_session.becomeLive(user, *token, device, id);
        m_session.queue().endAsync();
    });
}

} // namespace presently
