#pragma once

#include "sql/SqlConnection.h"
#include "sql/SqlThread.h"

#include <QObject>
#include <QTimer>
#include <memory>

namespace presently {

// Copies the WAL back into the database file on a thread and connection of its own, so that no
// commit (whose connection has wal_autocheckpoint off) ever waits for it, and the loop never
// does. PASSIVE: it takes no lock that readers or writers wait for; what it cannot copy for a
// reader still using it, the next round copies. The WAL starts over once it has all been copied
// (and is cut back to journal_size_limit).
class WalCheckpointer : public QObject {
    Q_OBJECT
public:
    explicit WalCheckpointer(int intervalMs, QObject *parent = nullptr);
    ~WalCheckpointer() override;

    bool open(const QString &path, QString *error);
    int rounds() const { return m_rounds; }

Q_SIGNALS:
    // After a round: the frames in the WAL, and how many of them are in the database file now.
    void checkpointed(qint64 walFrames, qint64 copied);

private:
    void round();

    SqlThread m_thread;
    std::unique_ptr<SqlConnection> m_connection; // lives on m_thread
    QTimer m_timer;
    bool m_running = false;
    int m_rounds = 0;
};

} // namespace presently
