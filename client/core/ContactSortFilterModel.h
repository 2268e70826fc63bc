#pragma once

#include <QSortFilterProxyModel>

namespace presently {

// Online contacts first (then idle, do-not-disturb, offline), by name within each; filtered by
// the text typed into the filter box.
class ContactSortFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ContactSortFilterModel(QObject *parent = nullptr);

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
};

} // namespace presently
