#include "app/Readiness.h"

#include "accounts/AccountStore.h"
#include "presence/PresenceStore.h"
#include "storage/StoreThread.h"

#include <QStringList>

namespace presently {

namespace {
constexpr int kProbeIntervalMs = 1000;
// A probe not answered by then marks the database down (a commit window takes milliseconds).
constexpr qint64 kProbeDeadlineMs = 3000;
} // namespace

Readiness::Readiness(PresenceStore *presence, StoreThread *reads, StoreThread *writes, QObject *parent)
    : QObject(parent)
    , m_presence(presence)
    , m_reads(reads)
    , m_writes(writes)
{
    m_timer.setInterval(kProbeIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &Readiness::probe);
    m_timer.start();
    probe();
}

void Readiness::probe()
{
    if (!m_read.sent.isValid()) {
        m_read.sent.start();
        m_reads->read<StoreResult<bool>>(
            this, [](AccountStore *accounts, MessageStore *) { return accounts->ping(); },
            [this](const StoreResult<bool> &answer) {
                m_read.lastOk = answer.ok();
                m_read.sent.invalidate();
            });
    }
    if (!m_write.sent.isValid()) {
        // An empty job still needs its commit window to begin and commit.
        m_write.sent.start();
        m_writes->write<bool>(
            this, [](AccountStore *, MessageStore *) { return StoreResult<bool>(true); },
            [this](const StoreResult<bool> &answer) {
                m_write.lastOk = answer.ok();
                m_write.sent.invalidate();
            });
    }
}

bool Readiness::healthy(const Probe &probe) const
{
    return probe.lastOk && (!probe.sent.isValid() || probe.sent.elapsed() < kProbeDeadlineMs);
}

QString Readiness::reason() const
{
    QStringList wrong;
    if (!m_presence->isAvailable())
        wrong << QStringLiteral("presence store (Redis) unavailable");
    if (!healthy(m_read))
        wrong << QStringLiteral("database not answering reads");
    if (!healthy(m_write))
        wrong << QStringLiteral("database not committing");
    if (m_draining)
        wrong << QStringLiteral("draining");
    return wrong.join(QStringLiteral("; "));
}

} // namespace presently
