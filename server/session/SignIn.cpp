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
    AccountStore *accounts = m_session.services().accounts;
    const std::optional<QString> user = accounts->userForToken(m.token, m_session.serverNowMs());
    if (user)
        m_session.becomeLive(*user, m.token, m.device);
    else if (accounts->failed())
        m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), m.id);
    else
        m_session.refuse(ErrorCode::AuthFailed, QStringLiteral("wrong user, password or token"), m.id);
}

void SignIn::withPassword(const ClientMessage &m)
{
    m_session.queue().beginAsync();
    const std::optional<QByteArray> hash = m_session.services().accounts->passwordHash(m.user);
    QtConcurrent::run([hash, password = m.password] {
        if (!hash) {
            PasswordHasher::burnVerifyTime(password);
            return false;
        }
        return PasswordHasher::verify(*hash, password);
    }).then(&m_session, [this, user = m.user, id = m.id, device = m.device](bool ok) {
        if (ok) {
            const QString token = m_session.services().accounts->issueToken(user, m_session.serverNowMs());
            if (!token.isEmpty())
                m_session.becomeLive(user, token, device);
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
    if (m_session.services().accounts->userExists(m.user)) {
        m_session.refuse(ErrorCode::UserExists, QStringLiteral("user name is taken"), m.id);
        return;
    }
    m_session.queue().beginAsync();
    QtConcurrent::run([password = m.password] {
        return PasswordHasher::hash(password);
    }).then(&m_session, [this, user = m.user, id = m.id, device = m.device](const QByteArray &hash) {
        AccountStore *store = m_session.services().accounts;
        const qint64 now = m_session.serverNowMs();
        const AccountStore::CreateResult created =
            hash.isEmpty() ? AccountStore::CreateResult::Failed : store->createUser(user, hash, now);
        if (created == AccountStore::CreateResult::Exists) {
            m_session.refuse(ErrorCode::UserExists, QStringLiteral("user name is taken"), id);
        } else if (created == AccountStore::CreateResult::Failed) {
            m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
        } else {
            const QString token = store->issueToken(user, now);
            if (token.isEmpty())
                m_session.refuse(ErrorCode::Unavailable, QStringLiteral("account store unavailable"), id);
            else
                m_session.becomeLive(user, token, device);
        }
        m_session.queue().endAsync();
    });
}

} // namespace presently
