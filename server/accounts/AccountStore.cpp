#include "accounts/AccountStore.h"

#include "accounts/PasswordHasher.h"
#include "sql/SqlTransaction.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcAccounts, "presently.accounts")

namespace presently {

namespace {
StoreError failure(const char *what, const QString &detail)
{
    qCWarning(lcAccounts) << what << "failed:" << detail;
    return {QStringLiteral("%1: %2").arg(QLatin1String(what), detail)};
}
} // namespace

AccountStore::AccountStore()
    : m_ownConnection(std::make_unique<SqlConnection>(QStringLiteral("accounts")))
    , m_connection(*m_ownConnection)
{}

AccountStore::AccountStore(SqlConnection &shared)
    : m_connection(shared)
{}

AccountStore::~AccountStore() = default;

bool AccountStore::open(const DatabaseAddress &address, QString *error)
{
    // Step 1 is the schema as it was before versions: a database from then upgrades in place.
    const QList<SchemaStep> schema = {
        {1,
         {QStringLiteral("CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, password_hash TEXT "
                         "NOT NULL, mode TEXT NOT NULL DEFAULT 'auto', status_text TEXT NOT NULL "
                         "DEFAULT '', created_ms INTEGER NOT NULL)"),
          QStringLiteral("CREATE TABLE IF NOT EXISTS tokens(digest TEXT PRIMARY KEY, \"user\" TEXT NOT "
                         "NULL, last_used_ms INTEGER NOT NULL)"),
          QStringLiteral("CREATE TABLE IF NOT EXISTS contacts(\"user\" TEXT NOT NULL, contact TEXT NOT "
                         "NULL, since_ms INTEGER NOT NULL, PRIMARY KEY(\"user\", contact))"),
          QStringLiteral("CREATE TABLE IF NOT EXISTS contact_requests(from_user TEXT NOT NULL, "
                         "to_user TEXT NOT NULL, ts_ms INTEGER NOT NULL, PRIMARY KEY(from_user, "
                         "to_user))"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS contact_requests_to ON contact_requests(to_user)")}},
        // Tokens get an absolute lifetime besides the idle one: when each was issued (those from
        // before count from their last use), and a user's tokens found at once (logout_all).
        {2,
         {QStringLiteral("ALTER TABLE tokens ADD COLUMN issued_ms INTEGER NOT NULL DEFAULT 0"),
          QStringLiteral("UPDATE tokens SET issued_ms = last_used_ms WHERE issued_ms = 0"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS tokens_user ON tokens(\"user\")")}},
        // Invitations, for servers that register by invitation only (kept as digests, as tokens).
        {3,
         {QStringLiteral("CREATE TABLE IF NOT EXISTS invites(digest TEXT PRIMARY KEY, uses_left INTEGER NOT NULL, "
                         "expires_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL)")}},
        {4,
         {QStringLiteral("CREATE TABLE IF NOT EXISTS blocks(\"user\" TEXT NOT NULL, blocked TEXT NOT NULL, "
                         "since_ms INTEGER NOT NULL, PRIMARY KEY(\"user\", blocked))")}},
        {5,
         {QStringLiteral("CREATE TABLE IF NOT EXISTS declines(from_user TEXT NOT NULL, to_user TEXT NOT NULL, "
                         "at_ms INTEGER NOT NULL, PRIMARY KEY(from_user, to_user))")}},
    };
    return m_connection.open(address, error) && m_connection.migrate(QStringLiteral("accounts"), schema, error);
}

StoreResult<int> AccountStore::exec(const QString &sql, const QVariantList &bind)
{
    const StoreResult<QSqlQuery *> q = m_connection.run(sql, bind);
    if (!q)
        return failure("statement", q.error().message);
    const int affected = (*q)->numRowsAffected();
    (*q)->finish();
    return affected;
}

StoreResult<QStringList> AccountStore::column(const QString &sql, const QVariantList &bind)
{
    const StoreResult<QSqlQuery *> q = m_connection.run(sql, bind);
    if (!q)
        return failure("query", q.error().message);
    QStringList out;
    while ((*q)->next())
        out.append((*q)->value(0).toString());
    (*q)->finish();
    return out;
}

StoreResult<bool> AccountStore::ping()
{
    return anyRow(QStringLiteral("SELECT 1"), {});
}

StoreResult<bool> AccountStore::anyRow(const QString &sql, const QVariantList &bind)
{
    const StoreResult<QStringList> rows = column(sql, bind);
    if (!rows)
        return rows.error();
    return !rows->isEmpty();
}

StoreResult<AccountStore::CreateResult> AccountStore::createUser(const QString &user, const QByteArray &hash,
                                                                 qint64 nowMs)
{
    const StoreResult<int> inserted = exec(
        QStringLiteral("INSERT INTO users(name, password_hash, created_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"),
        {user, QString::fromLatin1(hash), nowMs});
    if (!inserted)
        return inserted.error();
    return *inserted == 1 ? CreateResult::Created : CreateResult::Exists;
}

StoreResult<std::optional<QByteArray>> AccountStore::passwordHash(const QString &user)
{
    const StoreResult<QStringList> hash =
        column(QStringLiteral("SELECT password_hash FROM users WHERE name = ?"), {user});
    if (!hash)
        return hash.error();
    if (hash->isEmpty())
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(hash->first().toLatin1());
}

StoreResult<bool> AccountStore::userExists(const QString &user)
{
    return anyRow(QStringLiteral("SELECT 1 FROM users WHERE name = ?"), {user});
}

StoreResult<QString> AccountStore::issueToken(const QString &user, qint64 nowMs)
{
    const QString token = PasswordHasher::newToken();
    const StoreResult<int> stored =
        exec(QStringLiteral("INSERT INTO tokens(digest, \"user\", last_used_ms, issued_ms) VALUES(?, ?, ?, ?)"),
             {PasswordHasher::tokenDigest(token), user, nowMs, nowMs});
    if (!stored)
        return stored.error();
    return token;
}

StoreResult<std::optional<AccountStore::TokenUse>> AccountStore::findToken(const QString &token)
{
    const StoreResult<QSqlQuery *> q =
        m_connection.run(QStringLiteral("SELECT \"user\", last_used_ms, issued_ms FROM tokens WHERE digest = ?"),
                         {PasswordHasher::tokenDigest(token)});
    if (!q)
        return failure("token lookup", q.error().message);
    std::optional<TokenUse> found;
    if ((*q)->next())
        found = TokenUse{(*q)->value(0).toString(), (*q)->value(1).toLongLong(), (*q)->value(2).toLongLong()};
    (*q)->finish();
    return found;
}

StoreResult<void> AccountStore::touchToken(const QString &token, qint64 nowMs)
{
    const StoreResult<int> touched = exec(QStringLiteral("UPDATE tokens SET last_used_ms = ? WHERE digest = ?"),
                                          {nowMs, PasswordHasher::tokenDigest(token)});
    if (!touched)
        return touched.error();
    return {};
}

StoreResult<void> AccountStore::revokeToken(const QString &token)
{
    const StoreResult<int> deleted =
        exec(QStringLiteral("DELETE FROM tokens WHERE digest = ?"), {PasswordHasher::tokenDigest(token)});
    if (!deleted)
        return deleted.error();
    return {};
}

StoreResult<int> AccountStore::revokeTokensOf(const QString &user, const QString &exceptDigest)
{
    if (exceptDigest.isEmpty()) // (bound as NULL, `digest <> ?` would match nothing)
        return exec(QStringLiteral("DELETE FROM tokens WHERE \"user\" = ?"), {user});
    return exec(QStringLiteral("DELETE FROM tokens WHERE \"user\" = ? AND digest <> ?"), {user, exceptDigest});
}

StoreResult<int> AccountStore::pruneExpiredTokens(qint64 nowMs)
{
    return exec(QStringLiteral("DELETE FROM tokens WHERE last_used_ms < ? OR issued_ms < ?"),
                {nowMs - kTokenLifetimeMs, nowMs - kTokenAbsoluteLifetimeMs});
}

StoreResult<QString> AccountStore::createInvite(int uses, qint64 expiresMs, qint64 nowMs)
{
    const QString code = PasswordHasher::newToken();
    const StoreResult<int> stored =
        exec(QStringLiteral("INSERT INTO invites(digest, uses_left, expires_ms, created_ms) VALUES(?, ?, ?, ?)"),
             {PasswordHasher::tokenDigest(code), uses, expiresMs, nowMs});
    if (!stored)
        return stored.error();
    return code;
}

StoreResult<bool> AccountStore::useInvite(const QString &code, qint64 nowMs)
{
    const StoreResult<int> used = exec(QStringLiteral("UPDATE invites SET uses_left = uses_left - 1 WHERE digest = ? "
                                                      "AND uses_left > 0 AND expires_ms > ?"),
                                       {PasswordHasher::tokenDigest(code), nowMs});
    if (!used)
        return used.error();
    return *used == 1;
}

StoreResult<bool> AccountStore::removeUser(const QString &user)
{
    // The account, its tokens, contacts and requests; messages stay in the other side's history.
    for (const char *sql :
         {"DELETE FROM tokens WHERE \"user\" = ?", "DELETE FROM contacts WHERE \"user\" = ? OR contact = ?",
          "DELETE FROM contact_requests WHERE from_user = ? OR to_user = ?",
          "DELETE FROM blocks WHERE \"user\" = ? OR blocked = ?",
          "DELETE FROM declines WHERE from_user = ? OR to_user = ?"}) {
        const QString statement = QLatin1String(sql);
        const QVariantList bind =
            statement.count(QLatin1Char('?')) == 2 ? QVariantList{user, user} : QVariantList{user};
        if (const StoreResult<int> done = exec(statement, bind); !done)
            return done.error();
    }
    const StoreResult<int> removed = exec(QStringLiteral("DELETE FROM users WHERE name = ?"), {user});
    if (!removed)
        return removed.error();
    return *removed == 1;
}

StoreResult<void> AccountStore::setPasswordHash(const QString &user, const QByteArray &hash)
{
    const StoreResult<int> updated =
        exec(QStringLiteral("UPDATE users SET password_hash = ? WHERE name = ?"), {QString::fromLatin1(hash), user});
    if (!updated)
        return updated.error();
    return {};
}

StoreResult<StoredStatus> AccountStore::status(const QString &user)
{
    const StoreResult<QSqlQuery *> q =
        m_connection.run(QStringLiteral("SELECT mode, status_text FROM users WHERE name = ?"), {user});
    if (!q)
        return failure("status", q.error().message);
    StoredStatus status;
    if ((*q)->next()) {
        status.mode = modeFromName((*q)->value(0).toString()).value_or(Mode::Auto);
        status.text = (*q)->value(1).toString();
    }
    (*q)->finish();
    return status;
}

StoreResult<void> AccountStore::setStatus(const QString &user, std::optional<Mode> mode,
                                          const std::optional<QString> &text)
{
    if (mode) {
        const StoreResult<int> set =
            exec(QStringLiteral("UPDATE users SET mode = ? WHERE name = ?"), {modeName(*mode), user});
        if (!set)
            return set.error();
    }
    if (text) {
        const StoreResult<int> set =
            exec(QStringLiteral("UPDATE users SET status_text = ? WHERE name = ?"), {*text, user});
        if (!set)
            return set.error();
    }
    return {};
}

StoreResult<QStringList> AccountStore::contacts(const QString &user)
{
    return column(QStringLiteral("SELECT contact FROM contacts WHERE \"user\" = ? ORDER BY contact"), {user});
}

StoreResult<QStringList> AccountStore::requestsTo(const QString &user)
{
    return column(QStringLiteral("SELECT from_user FROM contact_requests WHERE to_user = ? ORDER BY from_user"),
                  {user});
}

StoreResult<QStringList> AccountStore::requestsFrom(const QString &user)
{
    return column(QStringLiteral("SELECT to_user FROM contact_requests WHERE from_user = ? ORDER BY to_user"), {user});
}

StoreResult<bool> AccountStore::areContacts(const QString &a, const QString &b)
{
    return anyRow(QStringLiteral("SELECT 1 FROM contacts WHERE \"user\" = ? AND contact = ?"), {a, b});
}

StoreResult<ContactChange> AccountStore::connect(const QString &a, const QString &b, qint64 nowMs)
{
    SqlTransaction transaction(m_connection);
    if (!transaction.begun())
        return failure("connecting contacts", transaction.error());
    const QString link =
        QStringLiteral("INSERT INTO contacts(\"user\", contact, since_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING");
    if (!exec(link, {a, b, nowMs}) || !exec(link, {b, a, nowMs}) ||
        !exec(QStringLiteral("DELETE FROM contact_requests WHERE (from_user = ? AND to_user = ?) OR "
                             "(from_user = ? AND to_user = ?)"),
              {a, b, b, a}) ||
        !transaction.commit()) {
        return failure("connecting contacts", transaction.error());
    }
    return ContactChange::Connected;
}

StoreResult<ContactChange> AccountStore::addContact(const QString &from, const QString &to, qint64 nowMs,
                                                    int maxWaiting)
{
    // Two gateways may each take one side's request at once: run alone among writers (see below).
    if (const StoreResult<void> alone = m_connection.serializeWrites(); !alone)
        return alone.error();
    const StoreResult<bool> exists = userExists(to);
    if (!exists)
        return exists.error();
    if (!*exists)
        return ContactChange::NotFound;
    const auto blocks = [&](const QString &user, const QString &other) {
        return anyRow(QStringLiteral("SELECT 1 FROM blocks WHERE \"user\" = ? AND blocked = ?"), {user, other});
    };
    const StoreResult<bool> blockedByYou = blocks(from, to);
    if (!blockedByYou)
        return blockedByYou.error();
    if (*blockedByYou)
        return ContactChange::BlockedByYou;
    const StoreResult<bool> blockedYou = blocks(to, from);
    if (!blockedYou)
        return blockedYou.error();
    if (*blockedYou)
        return ContactChange::Unchanged; // dropped silently: as if it were still waiting
    const StoreResult<bool> declined =
        anyRow(QStringLiteral("SELECT 1 FROM declines WHERE from_user = ? AND to_user = ? AND at_ms > ?"),
               {from, to, nowMs - kDeclineCooldownMs});
    if (!declined)
        return declined.error();
    if (*declined)
        return ContactChange::Unchanged; // declined lately: not delivered again yet, and not said
    const StoreResult<bool> already = areContacts(from, to);
    if (!already)
        return already.error();
    if (*already)
        return ContactChange::Unchanged;
    const auto theyAsked = [&] {
        return anyRow(QStringLiteral("SELECT 1 FROM contact_requests WHERE from_user = ? AND to_user = ?"), {to, from});
    };
    StoreResult<bool> asked = theyAsked();
    if (!asked)
        return asked.error();
    if (*asked)
        return connect(from, to, nowMs);
    const StoreResult<QStringList> waiting =
        column(QStringLiteral("SELECT COUNT(*) FROM contact_requests WHERE from_user = ?"), {from});
    if (!waiting)
        return waiting.error();
    if (waiting->value(0).toInt() >= maxWaiting)
        return ContactChange::TooManyPending;
    const StoreResult<int> inserted =
        exec(QStringLiteral(
                 "INSERT INTO contact_requests(from_user, to_user, ts_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"),
             {from, to, nowMs});
    if (!inserted)
        return inserted.error();
    // Two gateways may each take one side's request at once, both finding no request from the
    // other: writes are serialised (serializeWrites), so whoever inserted second sees the
    // other's now.
    asked = theyAsked();
    if (!asked)
        return asked.error();
    if (*asked)
        return connect(from, to, nowMs);
    return *inserted == 1 ? ContactChange::Requested : ContactChange::Unchanged;
}

StoreResult<ContactChange> AccountStore::acceptContact(const QString &user, const QString &from, qint64 nowMs)
{
    if (const StoreResult<void> alone = m_connection.serializeWrites(); !alone)
        return alone.error();
    const StoreResult<bool> already = areContacts(user, from);
    if (!already)
        return already.error();
    if (*already)
        return ContactChange::Unchanged;
    const StoreResult<bool> asked =
        anyRow(QStringLiteral("SELECT 1 FROM contact_requests WHERE from_user = ? AND to_user = ?"), {from, user});
    if (!asked)
        return asked.error();
    if (!*asked)
        return ContactChange::NotFound;
    return connect(user, from, nowMs);
}

StoreResult<ContactChange> AccountStore::block(const QString &user, const QString &other, qint64 nowMs)
{
    const StoreResult<ContactChange> removed = removeContact(user, other);
    if (!removed || *removed == ContactChange::NotFound)
        return removed;
    const StoreResult<int> inserted =
        exec(QStringLiteral("INSERT INTO blocks(\"user\", blocked, since_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"),
             {user, other, nowMs});
    if (!inserted)
        return inserted.error();
    return *inserted == 1 || *removed == ContactChange::Removed ? ContactChange::Removed : ContactChange::Unchanged;
}

StoreResult<ContactChange> AccountStore::unblock(const QString &user, const QString &other)
{
    const StoreResult<int> deleted =
        exec(QStringLiteral("DELETE FROM blocks WHERE \"user\" = ? AND blocked = ?"), {user, other});
    if (!deleted)
        return deleted.error();
    return *deleted == 1 ? ContactChange::Removed : ContactChange::Unchanged;
}

StoreResult<QStringList> AccountStore::blockedBy(const QString &user)
{
    return column(QStringLiteral("SELECT blocked FROM blocks WHERE \"user\" = ? ORDER BY blocked"), {user});
}

StoreResult<ContactChange> AccountStore::removeContact(const QString &user, const QString &other, qint64 nowMs)
{
    if (const StoreResult<void> alone = m_connection.serializeWrites(); !alone)
        return alone.error();
    const StoreResult<bool> exists = userExists(other);
    if (!exists)
        return exists.error();
    if (!*exists)
        return ContactChange::NotFound;
    SqlTransaction transaction(m_connection);
    if (!transaction.begun())
        return failure("removing a contact", transaction.error());
    // Declining `other`'s request: remembered, so it is not asked again at once.
    const StoreResult<int> declined =
        nowMs > 0
            ? exec(QStringLiteral("INSERT INTO declines(from_user, to_user, at_ms) SELECT from_user, to_user, ? "
                                  "FROM contact_requests WHERE from_user = ? AND to_user = ? ON CONFLICT(from_user, "
                                  "to_user) DO UPDATE SET at_ms = excluded.at_ms"),
                   {nowMs, other, user})
            : StoreResult<int>(0);
    if (!declined)
        return failure("removing a contact", declined.error().message);
    const StoreResult<int> contacts = exec(
        QStringLiteral("DELETE FROM contacts WHERE (\"user\" = ? AND contact = ?) OR (\"user\" = ? AND contact = ?)"),
        {user, other, other, user});
    const StoreResult<int> requests =
        contacts ? exec(QStringLiteral("DELETE FROM contact_requests WHERE (from_user = ? AND to_user = ?) "
                                       "OR (from_user = ? AND to_user = ?)"),
                        {user, other, other, user})
                 : contacts;
    if (!requests || !transaction.commit())
        return failure("removing a contact", requests ? transaction.error() : requests.error().message);
    return *contacts + *requests > 0 ? ContactChange::Removed : ContactChange::Unchanged;
}

} // namespace presently
