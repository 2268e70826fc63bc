#pragma once

#include <QHash>
#include <QString>

namespace presently {

// What this device remembers of one account between runs, besides the outbox: the draft of each
// conversation, its unread count (with the newest mid it counted, so a read on another device
// while we were closed clears it) and its last message's preview. Written atomically by flush(), at most every few
// seconds.
class LocalState {
public:
    struct Unread {
        int count = 0;
        qint64 newestMid = 0;
        bool operator==(const Unread &o) const { return count == o.count && newestMid == o.newestMid; }
    };

    explicit LocalState(const QString &directory);

    QString draft(const QString &peer) const { return m_drafts.value(peer); }
    // An empty text removes the draft.
    void setDraft(const QString &peer, const QString &text);
    const QHash<QString, QString> &drafts() const { return m_drafts; }

    struct Preview {
        QString text;
        qint64 tsMs = 0;
        bool operator==(const Preview &o) const { return text == o.text && tsMs == o.tsMs; }
    };

    const QHash<QString, Unread> &unread() const { return m_unread; }
    void setUnread(const QHash<QString, Unread> &unread);

    // Each conversation's last message, one line, for the contact list before history loads.
    const QHash<QString, Preview> &previews() const { return m_previews; }
    void setPreviews(const QHash<QString, Preview> &previews);

    void flush();

private:
    void load();

    QString m_path;
    QHash<QString, QString> m_drafts;
    QHash<QString, Unread> m_unread;
    QHash<QString, Preview> m_previews;
    bool m_dirty = false;
};

} // namespace presently
