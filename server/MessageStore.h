#pragma once

#include "ChatMessage.h"
#include "SqliteConnection.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <optional>

namespace presently {

struct StoredMessage : ChatMessage {
    QString senderSession; // the session that sent it: it gets `sent`, not `message`
};

struct MessagePage {
    QList<StoredMessage> messages;
    bool more = false;
};

// Direct messages, durable in SQLite: the source of truth. `mid` is the rowid, assigned inside
// the insert under SQLite's single writer lock, so it grows in commit order across every
// gateway sharing the file. A send is idempotent per (sender, cid).
class MessageStore {
public:
    MessageStore();
    ~MessageStore();
    MessageStore(const MessageStore &) = delete;
    MessageStore &operator=(const MessageStore &) = delete;

    bool open(const QString &path, QString *error);

    struct SendResult {
        bool ok = false;      // false: the store failed
        bool created = false; // false: the cid was known, `message` is the original
        StoredMessage message;
    };
    // Looks the cid up first (a resend answers the original whatever its body), then inserts.
    std::optional<StoredMessage> findByCid(const QString &sender, const QString &cid);
    SendResult send(const QString &from, const QString &to, const QString &cid, const QString &body,
                    const QString &senderSession, qint64 nowMs);

    // Messages to or from `user` with mid in (after, upTo], oldest first, at most `limit`.
    std::optional<MessagePage> forUser(const QString &user, qint64 after, qint64 upTo, int limit);
    // The conversation of `user` and `peer` before `before` (0: latest), newest page, oldest first.
    std::optional<MessagePage> conversation(const QString &user, const QString &peer, qint64 before, int limit);
    std::optional<qint64> lastMid();

    // Moves user's read mark in the conversation with peer forward; true if it moved.
    std::optional<bool> markRead(const QString &user, const QString &peer, qint64 mid);
    qint64 readMark(const QString &user, const QString &peer);

private:
    std::optional<MessagePage> page(const QString &sql, const QVariantList &bind, int limit);

    SqliteConnection m_connection;
    QSqlDatabase &m_db;
};

} // namespace presently
