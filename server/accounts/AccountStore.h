#pragma once

#include "protocol/StoredStatus.h"
#include "sql/SqlConnection.h"
#include "sql/StoreResult.h"

#include <QByteArray>
#include <QStringList>
#include <memory>
#include <optional>

namespace presently {

// What a contact request or change did. BlockedByYou: asked to add someone you blocked;
// TooManyPending: the sender has as many requests waiting as one may.
enum class ContactChange { Unchanged, Requested, Connected, Removed, NotFound, BlockedByYou, TooManyPending };

// Accounts, tokens, contacts, requests and each user's chosen mode: durable, in SQLite.
// Knows nothing of sockets. Every answer is a StoreResult: the value, or why the store failed.
class AccountStore {
public:
    // With a connection of its own.
    AccountStore();
    // On `shared`, which other stores use too (their writes can then share one transaction).
    explicit AccountStore(SqlConnection &shared);
    ~AccountStore();
    AccountStore(const AccountStore &) = delete;
    AccountStore &operator=(const AccountStore &) = delete;

    bool open(const DatabaseAddress &address, QString *error);
    // The database answers a statement (readiness probes).
    StoreResult<bool> ping();

    enum class CreateResult { Created, Exists };
    StoreResult<CreateResult> createUser(const QString &user, const QByteArray &passwordHash, qint64 nowMs);
    // Empty: no such user.
    StoreResult<std::optional<QByteArray>> passwordHash(const QString &user);
    StoreResult<bool> userExists(const QString &user);

    StoreResult<QString> issueToken(const QString &user, qint64 nowMs);
    struct TokenUse {
        QString user;
        qint64 lastUsedMs = 0;
        qint64 issuedMs = 0;
        // Unused for 30 days, or issued 90 days ago however often used.
        bool expired(qint64 nowMs) const
        {
            return nowMs - lastUsedMs > kTokenLifetimeMs || nowMs - issuedMs > kTokenAbsoluteLifetimeMs;
        }
        // The lifetime is 30 days: an hour's precision is plenty, and spares a write per sign-in
        // when thousands of clients reconnect at once.
        bool wantsTouch(qint64 nowMs) const { return nowMs - lastUsedMs > kTokenTouchIntervalMs; }
    };
    // Reads only. Empty: no such token. An expired one is for the caller to revoke.
    StoreResult<std::optional<TokenUse>> findToken(const QString &token);
    StoreResult<void> touchToken(const QString &token, qint64 nowMs);
    StoreResult<void> revokeToken(const QString &token);
    // Every token of `user` but the one whose digest is `exceptDigest` (empty: all); how many.
    StoreResult<int> revokeTokensOf(const QString &user, const QString &exceptDigest = QString());
    // Tokens past either lifetime, which nobody may use any more; how many.
    StoreResult<int> pruneExpiredTokens(qint64 nowMs);
    StoreResult<void> setPasswordHash(const QString &user, const QByteArray &passwordHash);
    // False: no such user.
    StoreResult<bool> removeUser(const QString &user);

    // An invitation good for `uses` registrations until `expiresMs`; the code (shown once).
    StoreResult<QString> createInvite(int uses, qint64 expiresMs, qint64 nowMs);
    // Takes one use of `code`; false when it is unknown, used up or expired.
    StoreResult<bool> useInvite(const QString &code, qint64 nowMs);

    StoreResult<StoredStatus> status(const QString &user);
    StoreResult<void> setStatus(const QString &user, std::optional<Mode> mode, const std::optional<QString> &text);

    StoreResult<QStringList> contacts(const QString &user);
    StoreResult<QStringList> requestsTo(const QString &user);   // people asking this user
    StoreResult<QStringList> requestsFrom(const QString &user); // people this user asked
    StoreResult<bool> areContacts(const QString &a, const QString &b);

    // `maxWaiting`: requests `from` may have waiting at once (TooManyPending past it).
    StoreResult<ContactChange> addContact(const QString &from, const QString &to, qint64 nowMs,
                                          int maxWaiting = kMaxPendingRequests);
    StoreResult<ContactChange> acceptContact(const QString &user, const QString &from, qint64 nowMs);
    // Declining a request (removing one from `other`) keeps `other` from asking again for a day.
    StoreResult<ContactChange> removeContact(const QString &user, const QString &other, qint64 nowMs = 0);
    // Blocking ends the contact and any request between the two, and drops the blocked user's
    // later requests silently; neither then sees the other (they are no contacts). Removed when
    // anything changed.
    StoreResult<ContactChange> block(const QString &user, const QString &other, qint64 nowMs);
    StoreResult<ContactChange> unblock(const QString &user, const QString &other);
    StoreResult<QStringList> blockedBy(const QString &user); // whom `user` blocked

    static constexpr qint64 kTokenLifetimeMs = 30LL * 24 * 3600 * 1000;
    static constexpr qint64 kTokenAbsoluteLifetimeMs = 90LL * 24 * 3600 * 1000;
    static constexpr qint64 kTokenTouchIntervalMs = 3600LL * 1000;
    // A declined request is not delivered again for this long (asking again is answered ok).
    static constexpr qint64 kDeclineCooldownMs = 24LL * 3600 * 1000;
    // Requests one user may have waiting at once, by default.
    static constexpr int kMaxPendingRequests = 100;

private:
    // Runs a statement (kept prepared); the rows affected, or the failure (logged).
    StoreResult<int> exec(const QString &sql, const QVariantList &bind = {});
    // The first column of every row.
    StoreResult<QStringList> column(const QString &sql, const QVariantList &bind);
    StoreResult<bool> anyRow(const QString &sql, const QVariantList &bind);
    StoreResult<ContactChange> connect(const QString &a, const QString &b, qint64 nowMs);

    std::unique_ptr<SqlConnection> m_ownConnection;
    SqlConnection &m_connection;
};

} // namespace presently
