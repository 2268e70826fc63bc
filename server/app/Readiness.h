#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

namespace presently {

class PresenceStore;
class StoreThread;

// Whether this gateway should get new clients (GET /readyz): the presence store (Redis) is
// available, the database answers a read and a commit within a few seconds, and it is not
// draining. Probed every second from the SQL threads, so answering costs nothing on the loop.
class Readiness : public QObject {
    Q_OBJECT
public:
    Readiness(PresenceStore *presence, StoreThread *reads, StoreThread *writes, QObject *parent = nullptr);

    bool isReady() const { return reason().isEmpty(); }
    // Empty when ready; else what is wrong ("database not answering; draining").
    QString reason() const;
    // After SIGTERM: no new clients, while the ones held are still served.
    void setDraining() { m_draining = true; }
    bool isDraining() const { return m_draining; }

private:
    void probe();

    struct Probe {
        QElapsedTimer sent; // valid while a probe is out
        bool lastOk = true; // the latest answer
    };
    bool healthy(const Probe &probe) const;

    PresenceStore *m_presence;
    StoreThread *m_reads;
    StoreThread *m_writes;
    QTimer m_timer;
    Probe m_read;
    Probe m_write;
    bool m_draining = false;
};

} // namespace presently
