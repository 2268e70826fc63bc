#pragma once

#include "protocol/ChatMessage.h"

#include <QAbstractListModel>

namespace presently {

// One conversation, oldest first: messages by mid, then own messages not yet acknowledged.
// Each own message is pending, sent, read, or failed (the server refused it for good: it is not
// sent again unless the user retries). Each mid is shown once, however often it arrives.
class ConversationModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum class Delivery { Pending, Sent, Read, Failed };
    enum Role {
        MidRole = Qt::UserRole + 1,
        CidRole,
        FromRole,
        BodyRole,
        TimestampRole,
        MineRole,
        DeliveryRole, // Delivery as int; own messages only
        DayRole,      // QDate of the message, for day separators
        FailureRole,  // why a failed message was refused, in words
    };

    ConversationModel(const QString &self, const QString &peer, QObject *parent = nullptr);

    const QString &peer() const { return m_peer; }
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // An own message not acknowledged yet (once per cid).
    void addPending(const QString &cid, const QString &body, qint64 createdMs);
    void markSent(const QString &cid, qint64 mid, qint64 ts);
    // The server refused the pending message `cid` for good; `reason` in words.
    void markFailed(const QString &cid, const QString &reason);
    // A failed message is pending again (the user retries it).
    void markPending(const QString &cid);
    // Removes an own message not sent (the user deletes it).
    void removeUnsent(const QString &cid);
    // Adds a message (live, synced or from history) unless its mid is here already.
    bool addMessage(const ChatMessage &message);
    void setPeerReadMid(qint64 mid);
    qint64 peerReadMid() const { return m_peerReadMid; }

    qint64 oldestMid() const;
    qint64 newestMid() const;
    bool hasMoreHistory() const { return m_moreHistory; }
    void setMoreHistory(bool more) { m_moreHistory = more; }
    bool contains(qint64 mid) const;

private:
    struct Entry {
        ChatMessage message; // mid 0 while pending or failed
        bool mine = false;
        QString failure; // not empty: refused for good
    };
    // The row of own, unsent message `cid`, or -1.
    int unsentRow(const QString &cid) const;
    Delivery deliveryOf(const Entry &entry) const;
    int insertionRow(qint64 mid) const;

    QString m_self;
    QString m_peer;
    QList<Entry> m_entries;
    qint64 m_peerReadMid = 0;
    bool m_moreHistory = true;
};

} // namespace presently
