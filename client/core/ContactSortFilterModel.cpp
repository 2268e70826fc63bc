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

bool ContactSortFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const int l = left.data(ContactListModel::SortRankRole).toInt();
    const int r = right.data(ContactListModel::SortRankRole).toInt();
    if (l != r)
        return l < r;
    return left.data(ContactListModel::UserRole).toString() < right.data(ContactListModel::UserRole).toString();
}

} // namespace presently
