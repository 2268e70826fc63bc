#pragma once

#include <QStyledItemDelegate>

namespace presently {

// A contact row: status dot, name, status text or "last seen", unread badge.
class ContactDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // Where the dot goes in a row (tests look at its pixels).
    static QRectF dotRect(const QRect &row);
};

} // namespace presently
