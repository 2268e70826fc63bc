#pragma once

#include "protocol/ChatMessage.h"
#include "sql/SqliteConnection.h"
#include "sql/StoreResult.h"

#include <QList>
#include <QObject>
#include <QSqlDatabase>
#include <QString>
#include <functional>
#include <optional>
#include <vector>

namespace presently {

class SqlThread;

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
    using SendCallback = std::function<void(const SendResult &)>;
    // Empty: no message of the sender has that cid.
    StoreResult<std::optional<StoredMessage>> findByCid(const QString &sender, const QString &cid);
    // Stores a message once the event loop is done with what it has ready: every send of that
    // turn goes into one transaction, one commit to disk. `done` runs after the commit (ok) or
    // its failure (not ok), in the order of the sends.
    void send(const QString &from, const QString &to, const QString &cid, const QString &body,
              const QString &senderSession, qint64 nowMs, SendCallback done);
    // From now on the commits run on `thread`, through `onThread` (a MessageStore whose connection
    // lives there): the loop gathers a turn's sends and waits for no fsync. Null: on this store's
    // own connection, on the caller's thread.
    void commitOn(SqlThread *thread, MessageStore *onThread);

    // Messages to or from `user` with mid in (after, upTo], oldest first, at most `limit`.
    StoreResult<MessagePage> forUser(const QString &user, qint64 after, qint64 upTo, int limit);
    // The conversation of `user` and `peer` before `before` (0: latest), newest page, oldest first.
    StoreResult<MessagePage> conversation(const QString &user, const QString &peer, qint64 before, int limit);
    StoreResult<qint64> lastMid();

    // Moves user's read mark in the conversation with peer forward; true if it moved.
    StoreResult<bool> markRead(const QString &user, const QString &peer, qint64 mid);
    StoreResult<qint64> readMark(const QString &user, const QString &peer);

private:
    struct PendingSend {
        StoredMessage message; // all but its mid
        SendCallback done;
    };

    // Commits the sends gathered so far (send schedules it for the end of the loop's turn).
    void commitPending();
    // Inserts the messages in one transaction: a result for each, or none stored at all.
    std::vector<SendResult> commitBatch(const std::vector<StoredMessage> &batch);
    StoreResult<MessagePage> page(const QString &sql, const QVariantList &bind, int limit);
    SendResult insert(const StoredMessage &message);

    SqliteConnection m_connection;
    QSqlDatabase &m_db;
    std::vector<PendingSend> m_pending;
    QObject m_commitContext; // the scheduled commit, and the answers of commits on the thread, die with the store
    SqlThread *m_commitThread = nullptr;
    MessageStore *m_commitStore = nullptr;
};

} // namespace presently
