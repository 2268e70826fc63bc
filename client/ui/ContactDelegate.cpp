#include "ui/ContactDelegate.h"

#include "core/DisplayText.h"

#include "core/ContactListModel.h"
#include "ui/StatusPainter.h"

#include <QApplication>
#include <QPainter>

namespace presently {

QRectF ContactDelegate::dotRect(const QRect &row)
{
    const qreal d = 12;
    return QRectF(row.left() + 12, row.center().y() - d / 2 + 0.5, d, d);
}

QSize ContactDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QFontMetrics fm(option.font);
    const bool preview = !index.data(ContactListModel::PreviewRole).toString().isEmpty();
    return QSize(220, fm.height() * (preview ? 3 : 2) + (preview ? 16 : 14));
}

void ContactDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget); // selection, hover

    const auto status = static_cast<Status>(index.data(ContactListModel::StatusRole).toInt());
    const QRect row = option.rect;
    // Not connected: the last known status, faded, so no one looks live who may not be.
    const bool stale = index.data(ContactListModel::StaleRole).toBool();
    painter->save();
    painter->setOpacity(stale ? 0.35 : 1.0);
    const bool selectedRow = option.state & QStyle::State_Selected;
    StatusPainter::paintDot(painter, dotRect(row), status,
                            option.palette.color(selectedRow ? QPalette::Highlight : QPalette::Base));
    painter->restore();

    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorRole textRole = selected ? QPalette::HighlightedText : QPalette::Text;
    const int unread = index.data(ContactListModel::UnreadRole).toInt();
    const int badgeWidth = unread > 0 ? 28 : 0;
    const QRect textRect = row.adjusted(34, 6, -10 - badgeWidth, -6);

    painter->save();
    QFont nameFont = option.font;
    nameFont.setBold(unread > 0);
    painter->setFont(nameFont);
    painter->setPen(option.palette.color(textRole));
    const QFontMetrics nameMetrics(nameFont);
    const QRect nameRect(textRect.left(), textRect.top(), textRect.width(), nameMetrics.height());
    painter->drawText(
        nameRect, Qt::AlignLeft | Qt::AlignVCenter,
        nameMetrics.elidedText(index.data(ContactListModel::UserRole).toString(), Qt::ElideRight, nameRect.width()));

    QString detail = index.data(ContactListModel::LastSeenTextRole).toString();
    if (detail.isEmpty()) {
        detail = DisplayText::isolated(index.data(ContactListModel::StatusTextRole).toString());
        if (detail.isEmpty())
            detail = StatusPainter::label(status);
    }
    QFont detailFont = option.font;
    detailFont.setPointSizeF(option.font.pointSizeF() * 0.9);
    painter->setFont(detailFont);
    QColor detailColor = option.palette.color(textRole);
    detailColor.setAlphaF(0.65);
    painter->setPen(detailColor);
    const QFontMetrics detailMetrics(detailFont);
    const QRect detailRect(textRect.left(), nameRect.bottom() + 2, textRect.width(), detailMetrics.height());
    painter->drawText(detailRect, Qt::AlignLeft | Qt::AlignVCenter,
                      detailMetrics.elidedText(detail, Qt::ElideRight, detailRect.width()));

    // The conversation's last message, muted, under the presence line.
    const QString preview = DisplayText::isolated(index.data(ContactListModel::PreviewRole).toString());
    if (!preview.isEmpty()) {
        QFont previewFont = detailFont;
        previewFont.setItalic(true);
        painter->setFont(previewFont);
        const QFontMetrics previewMetrics(previewFont);
        const QRect previewRect(textRect.left(), detailRect.bottom() + 2, textRect.width(), previewMetrics.height());
        painter->drawText(previewRect, Qt::AlignLeft | Qt::AlignVCenter,
                          previewMetrics.elidedText(preview, Qt::ElideRight, previewRect.width()));
    }

    if (unread > 0) {
        painter->setRenderHint(QPainter::Antialiasing);
        const QRectF badge(row.right() - 10 - 22, row.center().y() - 10, 22, 20);
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0x1f, 0x6f, 0xeb));
        painter->drawRoundedRect(badge, 10, 10);
        painter->setPen(Qt::white);
        QFont badgeFont = option.font;
        badgeFont.setBold(true);
        badgeFont.setPointSizeF(option.font.pointSizeF() * 0.85);
        painter->setFont(badgeFont);
        painter->drawText(badge, Qt::AlignCenter, unread > 99 ? QStringLiteral("99+") : QString::number(unread));
    }
    painter->restore();
}

} // namespace presently
