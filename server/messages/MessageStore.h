#pragma once

#include "protocol/ChatMessage.h"
#include "sql/SqlConnection.h"
#include "sql/StoreResult.h"

#include <QList>
#include <QString>
#include <memory>
#include <optional>

namespace presently {

struct StoredMessage : ChatMessage {
    QString senderSession; // the session that sent it: it gets `sent`, not `message`
};

struct MessagePage {
    QList<StoredMessage> messages;
    bool more = false; // more rows than the limit, or than fit in kMaxBytes
    qint64 bytes = 0;  // what the messages cost to send, at most (see MessageStore::page)

    // A page stops here (the first message always fits): a 41-byte sync must not build and
    // send 8 MB on the gateway's loop.
    static constexpr qint64 kMaxBytes = 256 * 1024;
};

// Direct messages, durable in SQLite or PostgreSQL: the source of truth. `mid` is assigned inside
// the insert under the single writer lock (SQLite's own; on PostgreSQL an advisory lock held to
// commit, SqlConnection::serializeWrites), so it grows in commit order across every gateway
// sharing the database. A send is idempotent per (sender, cid).
class MessageStore {
public:
    // With a connection of its own.
    MessageStore();
    // On `shared`, which other stores use too (their writes can then share one transaction).
    explicit MessageStore(SqlConnection &shared);
    ~MessageStore();
    MessageStore(const MessageStore &) = delete;
    MessageStore &operator=(const MessageStore &) = delete;

    bool open(const DatabaseAddress &address, QString *error);

    struct Inserted {
        bool created = false; // false: the cid was known, `message` is the original
        StoredMessage message;
    };
    // Empty: no message of the sender has that cid.
    StoreResult<std::optional<StoredMessage>> findByCid(const QString &sender, const QString &cid);
    // Stores `message` (all but its mid) unless its sender used its cid already: a send is
    // idempotent per (sender, cid). Durable once the caller's transaction commits (StoreThread
    // groups every write of a commit window into one); outside one, at once.
    StoreResult<Inserted> insert(const StoredMessage &message);

    // Messages to or from `user` with mid in (after, upTo], oldest first, at most `limit`.
    StoreResult<MessagePage> forUser(const QString &user, qint64 after, qint64 upTo, int limit);
    // The conversation of `user` and `peer` before `before` (0: latest), newest page, oldest first.
    StoreResult<MessagePage> conversation(const QString &user, const QString &peer, qint64 before, int limit);
    StoreResult<qint64> lastMid();
    // Retention: up to `batch` of the oldest messages sent before `cutoffMs`; how many went.
    StoreResult<int> pruneOlderThan(qint64 cutoffMs, int batch);

    // Moves user's read mark in the conversation with peer forward; true if it moved.
    // Moves `user`'s read mark in the conversation with `peer` forward to `mid`, never past the
    // conversation's newest message: the mark it moved to, or 0 when it did not move.
    StoreResult<qint64> markRead(const QString &user, const QString &peer, qint64 mid);
    StoreResult<qint64> readMark(const QString &user, const QString &peer);

private:
    StoreResult<MessagePage> page(const QString &sql, const QVariantList &bind, int limit);

    std::unique_ptr<SqlConnection> m_ownConnection;
    SqlConnection &m_connection;
};

} // namespace presently
