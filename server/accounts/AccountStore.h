#pragma once

#include "protocol/StoredStatus.h"
#include "sql/SqliteConnection.h"

#include <QByteArray>
#include <QSqlDatabase>
#include <QStringList>
#include <optional>

namespace presently {

enum class ContactChange { Unchanged, Requested, Connected, Removed, NotFound, Failed };

// Accounts, tokens, contacts, requests and each user's chosen mode: durable, in SQLite.
// Knows nothing of sockets. A failed statement is logged and reported as Failed / empty, and
// failed() then tells the caller the store, not the request, was at fault.
class AccountStore {
public:
    AccountStore();
    ~AccountStore();
    AccountStore(const AccountStore &) = delete;
    AccountStore &operator=(const AccountStore &) = delete;

    bool open(const QString &path, QString *error);
    bool failed() const { return m_failed; }

    enum class CreateResult { Created, Exists, Failed };
    CreateResult createUser(const QString &user, const QByteArray &passwordHash, qint64 nowMs);
    std::optional<QByteArray> passwordHash(const QString &user);
    bool userExists(const QString &user);

    QString issueToken(const QString &user, qint64 nowMs);
    std::optional<QString> userForToken(const QString &token, qint64 nowMs);
    void revokeToken(const QString &token);

    StoredStatus status(const QString &user);
    bool setStatus(const QString &user, std::optional<Mode> mode, const std::optional<QString> &text);

    QStringList contacts(const QString &user);
    QStringList requestsTo(const QString &user);   // people asking this user
    QStringList requestsFrom(const QString &user); // people this user asked
    bool areContacts(const QString &a, const QString &b);

    ContactChange addContact(const QString &from, const QString &to, qint64 nowMs);
    ContactChange acceptContact(const QString &user, const QString &from, qint64 nowMs);
    ContactChange removeContact(const QString &user, const QString &other);

    static constexpr qint64 kTokenLifetimeMs = 30LL * 24 * 3600 * 1000;
    static constexpr qint64 kTokenTouchIntervalMs = 3600LL * 1000;

private:
    bool exec(const QString &sql, const QVariantList &bind = {});
    QStringList column(const QString &sql, const QVariantList &bind);
    bool connect(const QString &a, const QString &b, qint64 nowMs);

    SqliteConnection m_connection;
    QSqlDatabase &m_db;
    bool m_failed = false;
};

} // namespace presently
