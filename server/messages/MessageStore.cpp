#include "messages/MessageStore.h"

#include <algorithm>

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcMessages, "presently.messages")

namespace presently {

namespace {
constexpr const char *kColumns = "mid, cid, sender, recipient, body, ts_ms, sender_session";

StoreError failure(const char *what, const QString &detail)
{
    qCWarning(lcMessages) << what << "failed:" << detail;
    return {QStringLiteral("%1: %2").arg(QLatin1String(what), detail)};
}

StoredMessage fromRow(const QSqlQuery &q)
{
    StoredMessage m;
    m.mid = q.value(0).toLongLong();
    m.cid = q.value(1).toString();
    m.from = q.value(2).toString();
    m.to = q.value(3).toString();
    m.body = q.value(4).toString();
    m.ts = q.value(5).toLongLong();
    m.senderSession = q.value(6).toString();
    return m;
}
} // namespace

MessageStore::MessageStore()
    : m_ownConnection(std::make_unique<SqlConnection>(QStringLiteral("messages")))
    , m_connection(*m_ownConnection)
{}

MessageStore::MessageStore(SqlConnection &shared)
    : m_connection(shared)
{}

MessageStore::~MessageStore() = default;

bool MessageStore::open(const DatabaseAddress &address, QString *error)
{
    // Step 1 is the schema as it was before versions: a database from then upgrades in place.
    const QList<SchemaStep> schema = {
        {1,
         {QStringLiteral("CREATE TABLE IF NOT EXISTS messages(mid INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "cid TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, body TEXT "
                         "NOT NULL, ts_ms INTEGER NOT NULL, sender_session TEXT NOT NULL DEFAULT '', "
                         "UNIQUE(sender, cid))"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS messages_sender ON messages(sender, mid)"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS messages_recipient ON messages(recipient, mid)"),
          QStringLiteral("CREATE TABLE IF NOT EXISTS read_marks(\"user\" TEXT NOT NULL, peer TEXT NOT NULL, "
                         "mid INTEGER NOT NULL, PRIMARY KEY(\"user\", peer))")}},
    };
    SqlConnection::Options options;
    options.busyTimeoutMs = 0; // gateways sharing the file wait for each other's commits in SqlRetry's fine steps
    return m_connection.open(address, error, options) &&
           m_connection.migrate(QStringLiteral("messages"), schema, error);
}

StoreResult<std::optional<StoredMessage>> MessageStore::findByCid(const QString &sender, const QString &cid)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM messages WHERE sender = ? AND cid = ?").arg(QLatin1String(kColumns));
    const StoreResult<QSqlQuery *> q = m_connection.run(sql, {sender, cid});
    if (!q)
        return failure("finding a cid", q.error().message);
    std::optional<StoredMessage> found;
    if ((*q)->next())
        found = fromRow(**q);
    (*q)->finish();
    return found;
}

StoreResult<MessageStore::Inserted> MessageStore::insert(const StoredMessage &message)
{
    // The mid is taken alone among writers and kept until commit: mids grow in commit order.
    if (const StoreResult<void> alone = m_connection.serializeWrites(); !alone)
        return failure("storing a message", alone.error().message);
    Inserted result;
    static const QString sql =
        QStringLiteral("INSERT INTO messages(cid, sender, recipient, body, ts_ms, sender_session) "
                       "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(sender, cid) DO NOTHING RETURNING mid");
    const StoreResult<QSqlQuery *> q =
        m_connection.run(sql, {message.cid, message.from, message.to, message.body, message.ts, message.senderSession});
    if (!q)
        return failure("storing a message", q.error().message);
    result.created = (*q)->next();
    const qint64 mid = result.created ? (*q)->value(0).toLongLong() : 0;
    (*q)->finish();
    if (result.created) {
        result.message = message;
        result.message.mid = mid;
        return result;
    }
    // A resend of a cid already stored (maybe earlier in this commit window): the original answers.
    const StoreResult<std::optional<StoredMessage>> original = findByCid(message.from, message.cid);
    if (!original)
        return original.error();
    if (!original->has_value())
        return failure("storing a message", QStringLiteral("the cid is taken but its message is not found"));
    result.message = **original;
    return result;
}

StoreResult<MessagePage> MessageStore::page(const QString &sql, const QVariantList &bind, int limit)
{
    const StoreResult<QSqlQuery *> run = m_connection.run(sql, bind);
    if (!run)
        return failure("reading messages", run.error().message);
    QSqlQuery &q = **run;
    MessagePage page;
    while (q.next()) {
        if (page.messages.size() == limit) {
            page.more = true; // one row beyond the page was asked for to know this
            break;
        }
        StoredMessage message = fromRow(q);
        // At most 3 UTF-8 bytes per UTF-16 unit, and the JSON around a message.
        const qint64 cost = 3 * message.body.size() + 160;
        if (!page.messages.isEmpty() && page.bytes + cost > MessagePage::kMaxBytes) {
            page.more = true;
            break;
        }
        page.bytes += cost;
        page.messages.append(std::move(message));
    }
    q.finish();
    return page;
}

StoreResult<MessagePage> MessageStore::forUser(const QString &user, qint64 after, qint64 upTo, int limit)
{
    static const QString sql = QStringLiteral("SELECT %1 FROM messages WHERE (sender = ? OR recipient = ?) AND mid > ? "
                                              "AND mid <= ? ORDER BY mid LIMIT ?")
                                   .arg(QLatin1String(kColumns));
    return page(sql, {user, user, after, upTo, limit + 1}, limit);
}

StoreResult<MessagePage> MessageStore::conversation(const QString &user, const QString &peer, qint64 before, int limit)
{
    const qint64 bound = before > 0 ? before : std::numeric_limits<qint64>::max();
    static const QString sql = QStringLiteral("SELECT %1 FROM messages WHERE mid < ? AND ((sender = ? AND "
                                              "recipient = ?) OR (sender = ? AND recipient = ?)) ORDER BY mid DESC "
                                              "LIMIT ?")
                                   .arg(QLatin1String(kColumns));
    StoreResult<MessagePage> newestFirst = page(sql, {bound, user, peer, peer, user, limit + 1}, limit);
    if (!newestFirst)
        return newestFirst;
    MessagePage oldestFirst = *newestFirst;
    std::reverse(oldestFirst.messages.begin(), oldestFirst.messages.end());
    return oldestFirst;
}

StoreResult<int> MessageStore::pruneOlderThan(qint64 cutoffMs, int batch)
{
    // Mids grow with time: the oldest come first in mid order, and the scan stops at `batch`.
    const StoreResult<QSqlQuery *> q = m_connection.run(
        QStringLiteral("DELETE FROM messages WHERE mid IN (SELECT mid FROM messages WHERE ts_ms < ? ORDER BY mid "
                       "LIMIT ?)"),
        {cutoffMs, batch});
    if (!q)
        return failure("removing old messages", q.error().message);
    const int deleted = (*q)->numRowsAffected();
    (*q)->finish();
    return deleted;
}

StoreResult<qint64> MessageStore::lastMid()
{
    const StoreResult<QSqlQuery *> q = m_connection.run(QStringLiteral("SELECT COALESCE(MAX(mid), 0) FROM messages"));
    if (!q)
        return failure("reading the last mid", q.error().message);
    const qint64 mid = (*q)->next() ? (*q)->value(0).toLongLong() : 0;
    (*q)->finish();
    return mid;
}

StoreResult<qint64> MessageStore::markRead(const QString &user, const QString &peer, qint64 mid)
{
    // Never past the conversation's newest message: a mark of 2^53 would hide every later one.
    static const QString newest = QStringLiteral("SELECT MAX(mid) FROM messages WHERE (sender = ? AND recipient = ?) "
                                                 "OR (sender = ? AND recipient = ?)");
    const StoreResult<QSqlQuery *> found = m_connection.run(newest, {user, peer, peer, user});
    if (!found)
        return failure("reading a conversation's newest message", found.error().message);
    const qint64 newestMid = (*found)->next() ? (*found)->value(0).toLongLong() : 0;
    (*found)->finish();
    mid = std::min(mid, newestMid);
    if (mid <= 0)
        return qint64(0); // nothing to read yet
    static const QString move =
        QStringLiteral("INSERT INTO read_marks(\"user\", peer, mid) VALUES(?, ?, ?) ON CONFLICT(\"user\", peer) "
                       "DO UPDATE SET mid = excluded.mid WHERE excluded.mid > read_marks.mid");
    const StoreResult<QSqlQuery *> moved = m_connection.run(move, {user, peer, mid});
    if (!moved)
        return failure("moving a read mark", moved.error().message);
    const bool forward = (*moved)->numRowsAffected() == 1;
    (*moved)->finish();
    return forward ? mid : qint64(0);
}

StoreResult<qint64> MessageStore::readMark(const QString &user, const QString &peer)
{
    static const QString sql = QStringLiteral("SELECT mid FROM read_marks WHERE \"user\" = ? AND peer = ?");
    const StoreResult<QSqlQuery *> q = m_connection.run(sql, {user, peer});
    if (!q)
        return failure("reading a read mark", q.error().message);
    const qint64 mark = (*q)->next() ? (*q)->value(0).toLongLong() : 0;
    (*q)->finish();
    return mark;
}

} // namespace presently
