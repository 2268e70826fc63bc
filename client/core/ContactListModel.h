#pragma once

#include "protocol/UserPresence.h"

#include <QAbstractListModel>
#include <QTimer>

namespace presently {

// The roster with live presence, unread counts and read marks. Rows keep roster order; the view
// sorts and filters through ContactSortFilterModel.
class ContactListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        UserRole = Qt::UserRole + 1,
        StatusRole,       // presently::Status as int
        StatusTextRole,   // the user's status text
        LastSeenRole,     // ms since epoch
        LastSeenTextRole, // "last seen 5 min ago" for offline users, else empty
        DevicesRole,
        UnreadRole,
        SortRankRole,     // 0 online, 1 idle, 2 dnd, 3 offline
        StaleRole,        // not connected: the status is the last one known, not live
        PreviewRole,      // the conversation's last message, one line ("You: " for own ones)
        LastActivityRole, // ms since epoch of that message (0: none), for "recent first"
    };

    explicit ContactListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setContacts(const QList<UserPresence> &contacts);
    // No rows, unread counts or previews (the account signed out).
    void clear();
    void applyPresence(const UserPresence &presence);
    void setUnread(const QString &user, int count);
    void addUnread(const QString &user, int count = 1);
    int unread(const QString &user) const;
    int totalUnread() const;
    bool contains(const QString &user) const { return rowOf(user) >= 0; }
    UserPresence presence(const QString &user) const;
    // The conversation's newest message, as the row previews it; older ones are ignored.
    void setLastMessage(const QString &user, const QString &preview, qint64 tsMs);
    // While not connected every row is stale: shown as last known, not as live.
    void setStale(bool stale);
    bool isStale() const { return m_stale; }

    // "last seen just now", "last seen 5 min ago", "last seen 3 h ago", "last seen yesterday", ...
    static QString lastSeenText(qint64 lastSeenMs, qint64 nowMs);
    static int sortRank(Status status);

    // Clock for "last seen" (tests set it).
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }

Q_SIGNALS:
    void unreadChanged(int total);

private:
    struct Row {
        UserPresence presence;
        int unread = 0;
        QString preview;
        qint64 lastActivityMs = 0;
    };
    int rowOf(const QString &user) const;

    QList<Row> m_rows;
    bool m_stale = false;
    // Previews for users not (yet) in the roster: applied when they are.
    QHash<QString, QPair<QString, qint64>> m_previews;
    QTimer m_refresh;
    std::function<qint64()> m_clock;
};

} // namespace presently
