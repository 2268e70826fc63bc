#include "accounts/AccountStore.h"

#include "accounts/PasswordHasher.h"
#include "sql/SqlRetry.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcStore, "presently.store")

namespace presently {

AccountStore::AccountStore()
    : m_connection(QStringLiteral("accounts"))
    , m_db(m_connection.database())
{}

AccountStore::~AccountStore() = default;

bool AccountStore::open(const QString &path, QString *error)
{
    return m_connection.open(
        path,
        {QStringLiteral("CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, password_hash TEXT "
                        "NOT NULL, mode TEXT NOT NULL DEFAULT 'auto', status_text TEXT NOT NULL "
                        "DEFAULT '', created_ms INTEGER NOT NULL)"),
         QStringLiteral("CREATE TABLE IF NOT EXISTS tokens(digest TEXT PRIMARY KEY, user TEXT NOT "
                        "NULL, last_used_ms INTEGER NOT NULL)"),
         QStringLiteral("CREATE TABLE IF NOT EXISTS contacts(user TEXT NOT NULL, contact TEXT NOT "
                        "NULL, since_ms INTEGER NOT NULL, PRIMARY KEY(user, contact))"),
         QStringLiteral("CREATE TABLE IF NOT EXISTS contact_requests(from_user TEXT NOT NULL, "
                        "to_user TEXT NOT NULL, ts_ms INTEGER NOT NULL, PRIMARY KEY(from_user, "
                        "to_user))"),
         QStringLiteral("CREATE INDEX IF NOT EXISTS contact_requests_to ON contact_requests(to_user)")},
        error);
}

bool AccountStore::exec(const QString &sql, const QVariantList &bind)
{
    QSqlQuery &q = m_connection.statement(sql);
    m_failed = !SqlRetry::exec(q, sql, bind);
    if (m_failed)
        qCWarning(lcStore) << "statement failed:" << q.lastError().text();
    q.finish();
    return !m_failed;
}

QStringList AccountStore::column(const QString &sql, const QVariantList &bind)
{
    QSqlQuery &q = m_connection.statement(sql);
    QStringList out;
    m_failed = !SqlRetry::exec(q, sql, bind);
    if (m_failed) {
        qCWarning(lcStore) << "query failed:" << q.lastError().text();
        q.finish();
        return out;
    }
    while (q.next())
        out.append(q.value(0).toString());
    q.finish();
    return out;
}

AccountStore::CreateResult AccountStore::createUser(const QString &user, const QByteArray &hash, qint64 nowMs)
{
    QSqlQuery q(m_db);
    m_failed = !SqlRetry::exec(
        q, QStringLiteral("INSERT INTO users(name, password_hash, created_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"),
        {user, QString::fromLatin1(hash), nowMs});
    if (m_failed) {
        qCWarning(lcStore) << "create user failed:" << q.lastError().text();
        return CreateResult::Failed;
    }
    return q.numRowsAffected() == 1 ? CreateResult::Created : CreateResult::Exists;
}

std::optional<QByteArray> AccountStore::passwordHash(const QString &user)
{
    const QStringList hash = column(QStringLiteral("SELECT password_hash FROM users WHERE name = ?"), {user});
    if (hash.isEmpty())
        return std::nullopt;
    return hash.first().toLatin1();
}

bool AccountStore::userExists(const QString &user)
{
    return !column(QStringLiteral("SELECT 1 FROM users WHERE name = ?"), {user}).isEmpty();
}

QString AccountStore::issueToken(const QString &user, qint64 nowMs)
{
    const QString token = PasswordHasher::newToken();
    if (!exec(QStringLiteral("INSERT INTO tokens(digest, user, last_used_ms) VALUES(?, ?, ?)"),
              {PasswordHasher::tokenDigest(token), user, nowMs})) {
        return {};
    }
    return token;
}

std::optional<QString> AccountStore::userForToken(const QString &token, qint64 nowMs)
{
    const QString digest = PasswordHasher::tokenDigest(token);
    QSqlQuery q(m_db);
    m_failed = !SqlRetry::exec(q, QStringLiteral("SELECT user, last_used_ms FROM tokens WHERE digest = ?"), {digest});
    if (m_failed || !q.next())
        return std::nullopt;
    const QString user = q.value(0).toString();
    if (nowMs - q.value(1).toLongLong() > kTokenLifetimeMs) {
        exec(QStringLiteral("DELETE FROM tokens WHERE digest = ?"), {digest});
        return std::nullopt;
    }
    // The lifetime is 30 days: an hour's precision is plenty, and spares a synchronous write per
    // sign-in when thousands of clients reconnect at once.
    if (nowMs - q.value(1).toLongLong() > kTokenTouchIntervalMs)
        exec(QStringLiteral("UPDATE tokens SET last_used_ms = ? WHERE digest = ?"), {nowMs, digest});
    return user;
}

void AccountStore::revokeToken(const QString &token)
{
    exec(QStringLiteral("DELETE FROM tokens WHERE digest = ?"), {PasswordHasher::tokenDigest(token)});
}

StoredStatus AccountStore::status(const QString &user)
{
    StoredStatus status;
    QSqlQuery q(m_db);
    m_failed = !SqlRetry::exec(q, QStringLiteral("SELECT mode, status_text FROM users WHERE name = ?"), {user});
    if (!m_failed && q.next()) {
        status.mode = modeFromName(q.value(0).toString()).value_or(Mode::Auto);
        status.text = q.value(1).toString();
    }
    return status;
}

bool AccountStore::setStatus(const QString &user, std::optional<Mode> mode, const std::optional<QString> &text)
{
    if (mode && !exec(QStringLiteral("UPDATE users SET mode = ? WHERE name = ?"), {modeName(*mode), user}))
        return false;
    if (text && !exec(QStringLiteral("UPDATE users SET status_text = ? WHERE name = ?"), {*text, user}))
        return false;
    return true;
}

QStringList AccountStore::contacts(const QString &user)
{
    return column(QStringLiteral("SELECT contact FROM contacts WHERE user = ? ORDER BY contact"), {user});
}

QStringList AccountStore::requestsTo(const QString &user)
{
    return column(QStringLiteral("SELECT from_user FROM contact_requests WHERE to_user = ? ORDER BY from_user"),
                  {user});
}

QStringList AccountStore::requestsFrom(const QString &user)
{
    return column(QStringLiteral("SELECT to_user FROM contact_requests WHERE from_user = ? ORDER BY to_user"), {user});
}

bool AccountStore::areContacts(const QString &a, const QString &b)
{
    return !column(QStringLiteral("SELECT 1 FROM contacts WHERE user = ? AND contact = ?"), {a, b}).isEmpty();
}

bool AccountStore::connect(const QString &a, const QString &b, qint64 nowMs)
{
    if (!m_db.transaction()) {
        m_failed = true;
        return false;
    }
    const bool ok = exec(QStringLiteral("INSERT OR IGNORE INTO contacts(user, contact, since_ms) VALUES(?, ?, ?)"),
                         {a, b, nowMs}) &&
                    exec(QStringLiteral("INSERT OR IGNORE INTO contacts(user, contact, since_ms) VALUES(?, ?, ?)"),
                         {b, a, nowMs}) &&
                    exec(QStringLiteral("DELETE FROM contact_requests WHERE (from_user = ? AND to_user = ?) OR "
                                        "(from_user = ? AND to_user = ?)"),
                         {a, b, b, a});
    if (!ok || !m_db.commit()) {
        m_db.rollback();
        m_failed = true;
        return false;
    }
    return true;
}

ContactChange AccountStore::addContact(const QString &from, const QString &to, qint64 nowMs)
{
    if (!userExists(to))
        return m_failed ? ContactChange::Failed : ContactChange::NotFound;
    if (areContacts(from, to))
        return ContactChange::Unchanged;
    const auto theyAsked = [&] {
        return !column(QStringLiteral("SELECT 1 FROM contact_requests WHERE from_user = ? AND to_user = ?"), {to, from})
                    .isEmpty();
    };
    if (theyAsked())
        return connect(from, to, nowMs) ? ContactChange::Connected : ContactChange::Failed;
    QSqlQuery q(m_db);
    m_failed = !SqlRetry::exec(
        q, QStringLiteral("INSERT OR IGNORE INTO contact_requests(from_user, to_user, ts_ms) VALUES(?, ?, ?)"),
        {from, to, nowMs});
    if (m_failed)
        return ContactChange::Failed;
    // Two gateways may each take one side's request at once, both finding no request from the
    // other: writes are serialised, so whoever inserted second sees the other's now.
    if (theyAsked())
        return connect(from, to, nowMs) ? ContactChange::Connected : ContactChange::Failed;
    return q.numRowsAffected() == 1 ? ContactChange::Requested : ContactChange::Unchanged;
}

ContactChange AccountStore::acceptContact(const QString &user, const QString &from, qint64 nowMs)
{
    if (areContacts(user, from))
        return ContactChange::Unchanged;
    const bool asked = !column(QStringLiteral("SELECT 1 FROM contact_requests WHERE from_user = ? "
                                              "AND to_user = ?"),
                               {from, user})
                            .isEmpty();
    if (!asked)
        return m_failed ? ContactChange::Failed : ContactChange::NotFound;
    return connect(user, from, nowMs) ? ContactChange::Connected : ContactChange::Failed;
}

ContactChange AccountStore::removeContact(const QString &user, const QString &other)
{
    if (!userExists(other))
        return m_failed ? ContactChange::Failed : ContactChange::NotFound;
    if (!m_db.transaction())
        return ContactChange::Failed;
    QSqlQuery q(m_db);
    bool ok = SqlRetry::exec(
        q, QStringLiteral("DELETE FROM contacts WHERE (user = ? AND contact = ?) OR (user = ? AND contact = ?)"),
        {user, other, other, user});
    int changed = ok ? q.numRowsAffected() : 0;
    QSqlQuery r(m_db);
    ok = ok && SqlRetry::exec(r,
                              QStringLiteral("DELETE FROM contact_requests WHERE (from_user = ? AND to_user = ?) "
                                             "OR (from_user = ? AND to_user = ?)"),
                              {user, other, other, user});
    changed += ok ? r.numRowsAffected() : 0;
    if (!ok || !m_db.commit()) {
        m_db.rollback();
        m_failed = true;
        return ContactChange::Failed;
    }
    m_failed = false;
    return changed > 0 ? ContactChange::Removed : ContactChange::Unchanged;
}

} // namespace presently
