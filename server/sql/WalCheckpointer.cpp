#include "sql/WalCheckpointer.h"

#include "sql/SqlRetry.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <utility>

Q_LOGGING_CATEGORY(lcCheckpoint, "presently.sql.checkpoint")

namespace presently {

WalCheckpointer::WalCheckpointer(int intervalMs, QObject *parent)
    : QObject(parent)
{
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &WalCheckpointer::round);
}

WalCheckpointer::~WalCheckpointer()
{
    m_timer.stop();
    m_thread.runAndWait([this] { m_connection.reset(); });
}

bool WalCheckpointer::open(const QString &path, QString *error)
{
    bool opened = false;
    m_thread.runAndWait([&] {
        m_connection = std::make_unique<SqlConnection>(QStringLiteral("checkpoint"));
        SqlConnection::Options options;
        options.busyTimeoutMs = 0; // PASSIVE never waits; a busy round is simply tried again
        opened = m_connection->open(DatabaseAddress::sqliteFile(path), error, options);
    });
    if (opened)
        m_timer.start();
    return opened;
}

void WalCheckpointer::round()
{
    if (m_running)
        return; // the last round is still copying (a slow disk): no queue of rounds behind it
    m_running = true;
    // (frames in the WAL, frames copied); -1, -1 when the round failed.
    using Frames = std::pair<qint64, qint64>;
    m_thread.run<Frames>(
        this,
        [connection = m_connection.get()] {
            QSqlQuery q(connection->database());
            if (!SqlRetry::exec(q, QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")) || !q.next()) {
                qCWarning(lcCheckpoint) << "checkpoint failed:" << q.lastError().text();
                return Frames{-1, -1};
            }
            return Frames{q.value(1).toLongLong(), q.value(2).toLongLong()};
        },
        [this](const Frames &frames) {
            m_running = false;
            ++m_rounds;
            if (frames.first < 0)
                return;
            Q_EMIT checkpointed(frames.first, frames.second);
        });
}

} // namespace presently
