#include "ui/MessageDelegate.h"

#include "core/ConversationModel.h"
#include "ui/PaletteColors.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>

namespace presently {

namespace {
constexpr int kPad = 8;
constexpr int kSeparator = 26;

QString dayLabel(const QDate &day)
{
    const QDate today = QDate::currentDate();
    if (day == today)
        return QCoreApplication::translate("MessageDelegate", "Today");
    if (day == today.addDays(-1))
        return QCoreApplication::translate("MessageDelegate", "Yesterday");
    return QLocale().toString(day, QLocale::LongFormat);
}

QString footer(const QModelIndex &index)
{
    const QString time = QDateTime::fromMSecsSinceEpoch(index.data(ConversationModel::TimestampRole).toLongLong())
                             .time()
                             .toString(QStringLiteral("HH:mm"));
    if (!index.data(ConversationModel::MineRole).toBool())
        return time;
    switch (static_cast<ConversationModel::Delivery>(index.data(ConversationModel::DeliveryRole).toInt())) {
    case ConversationModel::Delivery::Pending:
        return time + QStringLiteral("  ◷");
    case ConversationModel::Delivery::Sent:
        return time + QStringLiteral("  ✓");
    case ConversationModel::Delivery::Read:
        return time + QStringLiteral("  ✓✓");
    case ConversationModel::Delivery::Failed:
        return time + QStringLiteral("  ⚠ ") + index.data(ConversationModel::FailureRole).toString() +
               QCoreApplication::translate("MessageDelegate", " (right-click: retry or delete)");
    }
    return time;
}
} // namespace

bool MessageDelegate::startsDay(const QModelIndex &index)
{
    if (index.row() == 0)
        return true;
    const QModelIndex previous = index.sibling(index.row() - 1, 0);
    return previous.data(ConversationModel::DayRole).toDate() != index.data(ConversationModel::DayRole).toDate();
}

QRect MessageDelegate::bubbleTextRect(const QStyleOptionViewItem &option, const QModelIndex &index, int top)
{
    const int maxWidth = std::max(120, option.rect.width() * 7 / 10);
    const QFontMetrics fm(option.font);
    const QString body = index.data(ConversationModel::BodyRole).toString();
    QRect text = fm.boundingRect(QRect(0, 0, maxWidth - 2 * kPad, 100000), Qt::TextWordWrap, body);
    text.setWidth(std::max(text.width(), fm.horizontalAdvance(footer(index)) + 4));
    const bool mine = index.data(ConversationModel::MineRole).toBool();
    const int left = mine ? option.rect.right() - 12 - text.width() - kPad : option.rect.left() + 12 + kPad;
    return QRect(left, top + kPad, text.width(), text.height());
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QFontMetrics fm(option.font);
    const QRect text = bubbleTextRect(option, index, 0);
    return QSize(option.rect.width(), (startsDay(index) ? kSeparator : 0) + text.height() + fm.height() + 2 * kPad + 6);
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    int top = option.rect.top();
    if (startsDay(index)) {
        QColor muted = option.palette.color(QPalette::Text);
        muted.setAlphaF(0.55);
        painter->setPen(muted);
        painter->drawText(QRect(option.rect.left(), top, option.rect.width(), kSeparator), Qt::AlignCenter,
                          dayLabel(index.data(ConversationModel::DayRole).toDate()));
        top += kSeparator;
    }
    const bool mine = index.data(ConversationModel::MineRole).toBool();
    const QFontMetrics fm(option.font);
    const QRect text = bubbleTextRect(option, index, top);
    const QRect bubble = text.adjusted(-kPad, -kPad, kPad, kPad + fm.height());
    QPainterPath path;
    path.addRoundedRect(bubble, 10, 10);
    const PaletteColors::Bubble colors = PaletteColors::bubble(option.palette, mine);
    painter->fillPath(path, colors.background);
    if (option.state & QStyle::State_Selected) { // the find bar's match
        painter->setPen(QPen(option.palette.color(QPalette::Highlight), 2));
        painter->drawPath(path);
    }
    painter->setPen(colors.text);
    painter->drawText(text, Qt::TextWordWrap, index.data(ConversationModel::BodyRole).toString());
    QColor muted = colors.text;
    muted.setAlphaF(0.7);
    painter->setPen(muted);
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.85);
    painter->setFont(small);
    painter->drawText(QRect(text.left(), text.bottom() + 2, text.width(), fm.height()),
                      Qt::AlignRight | Qt::AlignVCenter, footer(index));
    painter->restore();
}

} // namespace presently
