#pragma once

#include "protocol/StoredStatus.h"
#include "sql/StoreResult.h"

#include <QByteArray>
#include <QJsonValue>
#include <QString>
#include <atomic>
#include <memory>

namespace presently {

class AccountStore;
class MessageStore;
class Session;
struct ClientMessage;

// What a session starts with, read in the same job that signed it in.
struct SignedIn {
    QString user;
    QString token;
    StoredStatus status;
    qint64 lastMid = 0; // live delivery starts after it (older messages come by `sync`)
};

// hello and register: the account is read on the read thread, a password hashed or verified on
// the thread pool, a token issued in a commit window, while the session's later frames wait.
// Success makes the session live, failure refuses it.
class SignIn {
public:
    explicit SignIn(Session &session);

    void start(const ClientMessage &message);
    // The connection is gone: a password check not started yet is skipped.
    void abandon();
    // A password check is queued or running (its time is not charged to the sign-in deadline).
    bool isChecking() const { return m_checking; }

private:
    void withToken(const ClientMessage &message);
    void withPassword(const ClientMessage &message);
    void registerUser(const ClientMessage &message);
    // The password was right (or the account made): a token, then live.
    // `rehash`: the password hashed again with today's limits, stored in the same job.
    void issueToken(const QString &user, const QString &device, const QJsonValue &id,
                    const QByteArray &rehash = QByteArray());
    // The password is hashed: the account, its token, then live.
    // On an invitation-only server, `invite` is used up by one in the same job.
    void create(const QString &user, const QByteArray &hash, const QString &device, const QString &invite,
                const QJsonValue &id);
    // Also with a token: the session's status and last mid, read by the same job.
    static StoreResult<SignedIn> load(AccountStore *accounts, MessageStore *messages, const QString &user,
                                      const QString &token);
    void finish(const StoreResult<SignedIn> &start, const QString &device, const QJsonValue &id);
    // A password was checked: the throttle counts it, a failure is logged.
    void noteResult(const QString &user, bool ok, bool known);
    // Before a password job: one of the address's few slots for checks in flight, or false (and
    // `unavailable` said). Released once the job is done, refused or abandoned.
    bool claimCheckSlot(const QJsonValue &id);
    void releaseCheckSlot();
    // After submitting a password job: if the pool refused it, `unavailable` at once.
    void checkQueued(bool queued, const QJsonValue &id);

    Session &m_session;
    std::shared_ptr<std::atomic<bool>> m_wanted = std::make_shared<std::atomic<bool>>(true);
    bool m_checking = false;
    QByteArray m_checkSlot; // the address key of the slot held (empty: none)
};

} // namespace presently
