#include "core/ContactListModel.h"

#include "core/DisplayText.h"

#include <QDateTime>

namespace presently {

ContactListModel::ContactListModel(QObject *parent)
    : QAbstractListModel(parent)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    // "last seen" texts age while nothing else changes.
    m_refresh.setInterval(30000);
    connect(&m_refresh, &QTimer::timeout, this, [this] {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0), index(rowCount() - 1), {LastSeenTextRole, Qt::ToolTipRole});
    });
    m_refresh.start();
}

int ContactListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ContactListModel::sortRank(Status status)
{
    switch (status) {
    case Status::Online:
        return 0;
    case Status::Idle:
        return 1;
    case Status::Dnd:
        return 2;
    case Status::Offline:
    case Status::Unknown:
        break;
    }
    return 3;
}

QString ContactListModel::lastSeenText(qint64 lastSeenMs, qint64 nowMs)
{
    if (lastSeenMs <= 0)
        return tr("offline");
    const qint64 minutes = std::max<qint64>(0, nowMs - lastSeenMs) / 60000;
    if (minutes < 1)
        return tr("last seen just now");
    if (minutes < 60)
        return tr("last seen %1 min ago").arg(minutes);
    if (minutes < 24 * 60)
        return tr("last seen %1 h ago").arg(minutes / 60);
    const QDate seen = QDateTime::fromMSecsSinceEpoch(lastSeenMs).date();
    const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs).date();
    if (seen.daysTo(today) == 1)
        return tr("last seen yesterday");
    if (seen.daysTo(today) < 7)
        return tr("last seen %1 days ago").arg(seen.daysTo(today));
    return tr("last seen %1").arg(QLocale().toString(seen, QLocale::ShortFormat));
}

QVariant ContactListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows.at(index.row());
    const UserPresence &p = row.presence;
    switch (role) {
    case Qt::DisplayRole:
    case UserRole:
        return p.user;
    case StatusRole:
        return static_cast<int>(p.status);
    case StatusTextRole:
        return p.text;
    case LastSeenRole:
        return p.lastSeen;
    case LastSeenTextRole:
        return p.status == Status::Offline ? lastSeenText(p.lastSeen, m_clock()) : QString();
    case DevicesRole:
        return p.devices;
    case UnreadRole:
        return row.unread;
    case SortRankRole:
        return sortRank(p.status);
    case StaleRole:
        return m_stale;
    case PreviewRole:
        return row.preview;
    case LastActivityRole:
        return row.lastActivityMs;
    case Qt::AccessibleTextRole: {
        // What a screen reader says of the row: "bob, online, shipping the release, 3 unread".
        QStringList parts{p.user,
                          m_stale ? tr("%1 when last connected").arg(statusName(p.status)) : statusName(p.status)};
        if (p.status == Status::Offline)
            parts.append(lastSeenText(p.lastSeen, m_clock()));
        if (!p.text.isEmpty())
            parts.append(DisplayText::isolated(p.text));
        if (row.unread > 0)
            parts.append(tr("%1 unread").arg(row.unread));
        return parts.join(QStringLiteral(", "));
    }
    case Qt::AccessibleDescriptionRole:
        return row.preview.isEmpty() ? QString() : tr("last message: %1").arg(DisplayText::isolated(row.preview));
    case Qt::ToolTipRole: {
        const QString live = p.status == Status::Offline
                                 ? lastSeenText(p.lastSeen, m_clock())
                                 : statusName(p.status) + QStringLiteral(" · ") + p.devices.join(QStringLiteral(", "));
        return m_stale ? tr("%1 (when last connected)").arg(live) : live;
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> ContactListModel::roleNames() const
{
    return {{UserRole, "user"},
            {StatusRole, "status"},
            {StatusTextRole, "statusText"},
            {LastSeenRole, "lastSeen"},
            {LastSeenTextRole, "lastSeenText"},
            {DevicesRole, "devices"},
            {UnreadRole, "unread"},
            {SortRankRole, "sortRank"},
            {StaleRole, "stale"},
            {PreviewRole, "preview"},
            {LastActivityRole, "lastActivity"}};
}

int ContactListModel::rowOf(const QString &user) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).presence.user == user)
            return static_cast<int>(i);
    }
    return -1;
}

void ContactListModel::setContacts(const QList<UserPresence> &contacts)
{
    QHash<QString, int> unread;
    for (const Row &row : std::as_const(m_rows))
        unread.insert(row.presence.user, row.unread);
    beginResetModel();
    m_rows.clear();
    for (const UserPresence &p : contacts) {
        const QPair<QString, qint64> last = m_previews.value(p.user);
        m_rows.append({p, unread.value(p.user), last.first, last.second});
    }
    endResetModel();
    Q_EMIT unreadChanged(totalUnread());
}

void ContactListModel::clear()
{
    m_previews.clear();
    setContacts({});
}

void ContactListModel::applyPresence(const UserPresence &presence)
{
    const int row = rowOf(presence.user);
    if (row < 0)
        return;
    m_rows[row].presence = presence;
    Q_EMIT dataChanged(index(row), index(row));
}

void ContactListModel::setUnread(const QString &user, int count)
{
    const int row = rowOf(user);
    if (row < 0 || m_rows[row].unread == count)
        return;
    m_rows[row].unread = count;
    Q_EMIT dataChanged(index(row), index(row), {UnreadRole});
    Q_EMIT unreadChanged(totalUnread());
}

void ContactListModel::addUnread(const QString &user, int count)
{
    setUnread(user, unread(user) + count);
}

int ContactListModel::unread(const QString &user) const
{
    const int row = rowOf(user);
    return row < 0 ? 0 : m_rows.at(row).unread;
}

int ContactListModel::totalUnread() const
{
    int total = 0;
    for (const Row &row : m_rows)
        total += row.unread;
    return total;
}

void ContactListModel::setLastMessage(const QString &user, const QString &preview, qint64 tsMs)
{
    if (m_previews.value(user).second > tsMs)
        return;
    // One line, and not the whole of a long message.
    const QString line = preview.simplified().left(120);
    m_previews.insert(user, {line, tsMs});
    const int row = rowOf(user);
    if (row < 0)
        return;
    m_rows[row].preview = line;
    m_rows[row].lastActivityMs = tsMs;
    Q_EMIT dataChanged(index(row), index(row), {PreviewRole, LastActivityRole, Qt::AccessibleDescriptionRole});
}

void ContactListModel::setStale(bool stale)
{
    if (m_stale == stale)
        return;
    m_stale = stale;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {StaleRole, Qt::ToolTipRole});
}

UserPresence ContactListModel::presence(const QString &user) const
{
    const int row = rowOf(user);
    return row < 0 ? UserPresence::unknown(user) : m_rows.at(row).presence;
}

} // namespace presently
