#include "core/ConversationModel.h"

#include "core/DisplayText.h"

#include <QDateTime>

namespace presently {

ConversationModel::ConversationModel(const QString &self, const QString &peer, QObject *parent)
    : QAbstractListModel(parent)
    , m_self(self)
    , m_peer(peer)
{}

int ConversationModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

ConversationModel::Delivery ConversationModel::deliveryOf(const Entry &entry) const
{
    if (entry.message.mid == 0)
        return entry.failure.isEmpty() ? Delivery::Pending : Delivery::Failed;
    return entry.message.mid <= m_peerReadMid ? Delivery::Read : Delivery::Sent;
}

QVariant ConversationModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return e.message.body;
    case MidRole:
        return e.message.mid;
    case CidRole:
        return e.message.cid;
    case FromRole:
        return e.message.from;
    case TimestampRole:
        return e.message.ts;
    case MineRole:
        return e.mine;
    case DeliveryRole:
        return static_cast<int>(deliveryOf(e));
    case DayRole:
        return QDateTime::fromMSecsSinceEpoch(e.message.ts).date();
    case FailureRole:
        return e.failure;
    case Qt::AccessibleTextRole: {
        // "bob at 15:48: Morning!", "You at 15:49, read: Hi".
        const QString time = QDateTime::fromMSecsSinceEpoch(e.message.ts).time().toString(QStringLiteral("HH:mm"));
        if (!e.mine)
            return tr("%1 at %2: %3").arg(e.message.from, time, DisplayText::isolated(e.message.body));
        QString state;
        switch (deliveryOf(e)) {
        case Delivery::Pending:
            state = tr("not sent yet");
            break;
        case Delivery::Sent:
            state = tr("sent");
            break;
        case Delivery::Read:
            state = tr("read");
            break;
        case Delivery::Failed:
            state = tr("failed: %1").arg(e.failure);
            break;
        }
        return tr("You at %1, %2: %3").arg(time, state, e.message.body);
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> ConversationModel::roleNames() const
{
    return {{MidRole, "mid"},           {CidRole, "cid"},      {FromRole, "from"},
            {BodyRole, "body"},         {TimestampRole, "ts"}, {MineRole, "mine"},
            {DeliveryRole, "delivery"}, {DayRole, "day"},      {FailureRole, "failure"}};
}

int ConversationModel::insertionRow(qint64 mid) const
{
    // Acknowledged messages in mid order come before every pending one.
    int row = static_cast<int>(m_entries.size());
    while (row > 0) {
        const qint64 before = m_entries.at(row - 1).message.mid;
        if (before != 0 && before < mid)
            break;
        --row;
    }
    return row;
}

bool ConversationModel::contains(qint64 mid) const
{
    for (const Entry &e : m_entries) {
        if (e.message.mid == mid)
            return true;
    }
    return false;
}

void ConversationModel::addPending(const QString &cid, const QString &body, qint64 createdMs)
{
    if (unsentRow(cid) >= 0)
        return;
    Entry e;
    e.mine = true;
    e.message.cid = cid;
    e.message.from = m_self;
    e.message.to = m_peer;
    e.message.body = body;
    e.message.ts = createdMs;
    const int row = static_cast<int>(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries.append(e);
    endInsertRows();
}

void ConversationModel::markSent(const QString &cid, qint64 mid, qint64 ts)
{
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        Entry &e = m_entries[i];
        if (!e.mine || e.message.cid != cid || e.message.mid != 0)
            continue;
        if (contains(mid)) { // it came back by sync meanwhile
            beginRemoveRows({}, static_cast<int>(i), static_cast<int>(i));
            m_entries.removeAt(i);
            endRemoveRows();
            return;
        }
        Entry sent = e;
        sent.message.mid = mid;
        sent.message.ts = ts;
        beginRemoveRows({}, static_cast<int>(i), static_cast<int>(i));
        m_entries.removeAt(i);
        endRemoveRows();
        const int row = insertionRow(mid);
        beginInsertRows({}, row, row);
        m_entries.insert(row, sent);
        endInsertRows();
        return;
    }
}

int ConversationModel::unsentRow(const QString &cid) const
{
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const Entry &e = m_entries.at(i);
        if (e.mine && e.message.mid == 0 && e.message.cid == cid)
            return static_cast<int>(i);
    }
    return -1;
}

void ConversationModel::markFailed(const QString &cid, const QString &reason)
{
    const int row = unsentRow(cid);
    if (row < 0)
        return;
    m_entries[row].failure = reason.isEmpty() ? tr("not sent") : reason;
    Q_EMIT dataChanged(index(row), index(row), {DeliveryRole, FailureRole});
}

void ConversationModel::markPending(const QString &cid)
{
    const int row = unsentRow(cid);
    if (row < 0)
        return;
    m_entries[row].failure.clear();
    Q_EMIT dataChanged(index(row), index(row), {DeliveryRole, FailureRole});
}

void ConversationModel::removeUnsent(const QString &cid)
{
    const int row = unsentRow(cid);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_entries.removeAt(row);
    endRemoveRows();
}

bool ConversationModel::addMessage(const ChatMessage &message)
{
    if (contains(message.mid))
        return false;
    // Our own message coming back from another device or from sync replaces its pending entry.
    if (message.from == m_self) {
        for (const Entry &e : std::as_const(m_entries)) {
            if (e.mine && e.message.mid == 0 && e.message.cid == message.cid) {
                markSent(message.cid, message.mid, message.ts);
                return true;
            }
        }
    }
    Entry e;
    e.message = message;
    e.mine = message.from == m_self;
    const int row = insertionRow(message.mid);
    beginInsertRows({}, row, row);
    m_entries.insert(row, e);
    endInsertRows();
    return true;
}

void ConversationModel::setPeerReadMid(qint64 mid)
{
    if (mid <= m_peerReadMid)
        return;
    m_peerReadMid = mid;
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {DeliveryRole});
}

qint64 ConversationModel::oldestMid() const
{
    for (const Entry &e : m_entries) {
        if (e.message.mid != 0)
            return e.message.mid;
    }
    return 0;
}

qint64 ConversationModel::newestMid() const
{
    for (qsizetype i = m_entries.size() - 1; i >= 0; --i) {
        if (m_entries.at(i).message.mid != 0)
            return m_entries.at(i).message.mid;
    }
    return 0;
}

} // namespace presently
