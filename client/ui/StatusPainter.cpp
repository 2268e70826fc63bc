#include "ui/StatusPainter.h"

#include <QCoreApplication>
#include <QPainter>
#include <QPixmap>
#include <algorithm>

namespace presently {

QColor StatusPainter::color(Status status)
{
    switch (status) {
    case Status::Online:
        return QColor(0x2e, 0xb6, 0x7d); // green
    case Status::Idle:
        return QColor(0xf2, 0xa9, 0x00); // amber
    case Status::Dnd:
        return QColor(0xe0, 0x3e, 0x3e); // red
    case Status::Offline:
    case Status::Unknown:
        break;
    }
    return QColor(0x9a, 0xa0, 0xa6); // grey
}

QString StatusPainter::label(Status status)
{
    switch (status) {
    case Status::Online:
        return QCoreApplication::translate("StatusPainter", "Online");
    case Status::Idle:
        return QCoreApplication::translate("StatusPainter", "Idle");
    case Status::Dnd:
        return QCoreApplication::translate("StatusPainter", "Do not disturb");
    case Status::Offline:
        return QCoreApplication::translate("StatusPainter", "Offline");
    case Status::Unknown:
        break;
    }
    return QCoreApplication::translate("StatusPainter", "Unknown");
}

void StatusPainter::paintDot(QPainter *painter, const QRectF &rect, Status status, const QColor &background)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    const qreal ring = std::max(1.0, rect.width() * 0.12); // outside the dot, never eating into it
    painter->setBrush(background);
    painter->drawEllipse(rect.adjusted(-ring, -ring, ring, ring));
    painter->setBrush(color(status));
    painter->drawEllipse(rect);
    if (status == Status::Dnd) { // a bar, so the state does not rest on colour alone
        painter->setBrush(background);
        const QRectF bar(rect.left() + rect.width() * 0.22, rect.center().y() - rect.height() * 0.09,
                         rect.width() * 0.56, rect.height() * 0.18);
        painter->drawRoundedRect(bar, bar.height() / 2, bar.height() / 2);
    } else if (status == Status::Idle) { // a crescent: the moon of "away", not colour alone
        painter->setBrush(background);
        const qreal d = rect.width() * 0.62;
        painter->drawEllipse(QRectF(rect.left() - d * 0.08, rect.top() - d * 0.08, d, d));
    } else if (status == Status::Offline) {
        painter->setBrush(background);
        const qreal inset = rect.width() * 0.28;
        painter->drawEllipse(rect.adjusted(inset, inset, -inset, -inset));
    }
    painter->restore();
}

QIcon StatusPainter::icon(Status status, int unread, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    paintDot(&painter, QRectF(size * 0.08, size * 0.08, size * 0.84, size * 0.84), status);
    if (unread > 0) {
        painter.setRenderHint(QPainter::Antialiasing);
        const QRectF badge(size * 0.45, 0, size * 0.55, size * 0.55);
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0x1f, 0x6f, 0xeb));
        painter.drawEllipse(badge);
        painter.setPen(Qt::white);
        QFont font = painter.font();
        font.setBold(true);
        font.setPixelSize(static_cast<int>(size * 0.32));
        painter.setFont(font);
        painter.drawText(badge, Qt::AlignCenter, unread > 99 ? QStringLiteral("99+") : QString::number(unread));
    }
    painter.end();
    return QIcon(pixmap);
}

} // namespace presently
