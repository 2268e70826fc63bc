#include "core/ContactSortFilterModel.h"

#include "core/ContactListModel.h"

namespace presently {

ContactSortFilterModel::ContactSortFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setFilterRole(ContactListModel::UserRole);
    setSortRole(ContactListModel::SortRankRole);
    sort(0);
}

void ContactSortFilterModel::setSortByRecent(bool recent)
{
    m_byRecent = recent;
    // The role whose changes re-sort the list.
    setSortRole(recent ? ContactListModel::LastActivityRole : ContactListModel::SortRankRole);
    invalidate();
}

bool ContactSortFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (m_byRecent) {
        const qint64 l = left.data(ContactListModel::LastActivityRole).toLongLong();
        const qint64 r = right.data(ContactListModel::LastActivityRole).toLongLong();
        if (l != r)
            return l > r; // newest first
    }
    const int l = left.data(ContactListModel::SortRankRole).toInt();
    const int r = right.data(ContactListModel::SortRankRole).toInt();
    if (l != r)
        return l < r;
    return left.data(ContactListModel::UserRole).toString() < right.data(ContactListModel::UserRole).toString();
}

} // namespace presently
