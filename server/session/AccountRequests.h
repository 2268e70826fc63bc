#pragma once

#include "events/UserEvent.h"

#include <QByteArray>
#include <QJsonValue>
#include <QString>
#include <atomic>
#include <memory>

namespace presently {

class Session;
struct ClientMessage;

// The account's own safety: logout (this token, and every session signed in with it, on every
// gateway), logout_all (every token and session of the user) and change_password (the old
// password checked like a sign-in, throttled alike; every other token revoked). Revocations go
// to every gateway as a TokensRevoked event; sessions whose token it names end with 4001.
class AccountRequests {
public:
    explicit AccountRequests(Session &session);

    void logout(const ClientMessage &message);
    void logoutAll(const ClientMessage &message);
    void changePassword(const ClientMessage &message);
    // The connection is gone: a password job not started yet is skipped.
    void abandon() { m_wanted->store(false); }

    // Whether `event` revokes the token whose digest is `tokenDigest`.
    static bool revokes(const UserEvents::TokensRevoked &event, const QString &tokenDigest);

private:
    void storeNewPassword(const QByteArray &hash, const QJsonValue &id);
    void revoked(const UserEvents::TokensRevoked &event);

    Session &m_session;
    std::shared_ptr<std::atomic<bool>> m_wanted = std::make_shared<std::atomic<bool>>(true);
};

} // namespace presently
