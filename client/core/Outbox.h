#pragma once

#include <QList>
#include <QString>

namespace presently {

// Messages typed but not yet acknowledged with `sent`, and the largest mid seen: kept on disk
// (written atomically on every change), so a crash or a closed laptop loses nothing.
class Outbox {
public:
    struct Pending {
        QString cid;
        QString to;
        QString body;
        qint64 createdMs = 0;
    };

    explicit Outbox(const QString &directory);

    void add(const Pending &pending);
    // Drops the entry; true if it was there.
    bool acknowledge(const QString &cid);
    const QList<Pending> &pending() const { return m_pending; }
    bool contains(const QString &cid) const;

    qint64 lastMid() const { return m_lastMid; }
    // Cheap: written with the next change or flush(). A lost mark only makes sync fetch more.
    void noteMid(qint64 mid);
    void flush();

private:
    void load();
    void save();

    QString m_path;
    QList<Pending> m_pending;
    qint64 m_lastMid = 0;
    bool m_dirty = false;
};

} // namespace presently
