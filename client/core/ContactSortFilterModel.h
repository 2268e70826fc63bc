#pragma once

#include <QSortFilterProxyModel>

namespace presently {

// Online contacts first (then idle, do-not-disturb, offline), by name within each; or, when
// sorting by recent conversation, the latest message first. Filtered by the text typed into the
// filter box.
class ContactSortFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ContactSortFilterModel(QObject *parent = nullptr);

    void setSortByRecent(bool recent);
    bool sortsByRecent() const { return m_byRecent; }

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    bool m_byRecent = false;
};

} // namespace presently
