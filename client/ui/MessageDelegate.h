#pragma once

#include <QStyledItemDelegate>

namespace presently {

// A chat message: a bubble (own ones on the right), its time and delivery mark, and a day
// separator above the first message of each day.
class MessageDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    static bool startsDay(const QModelIndex &index);
    static QRect bubbleTextRect(const QStyleOptionViewItem &option, const QModelIndex &index, int top);
};

} // namespace presently
