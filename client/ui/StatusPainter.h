#pragma once

#include "protocol/Protocol.h"

#include <QColor>
#include <QIcon>

class QPainter;
class QRectF;

namespace presently {

// The status dot, the same everywhere: contact rows, the own-status header and the tray.
class StatusPainter {
public:
    static QColor color(Status status);
    static QString label(Status status);
    // `background` is what the dot sits on: it rings the dot and fills the offline hole and the
    // do-not-disturb bar, so the dot reads on light and dark palettes alike.
    static void paintDot(QPainter *painter, const QRectF &rect, Status status, const QColor &background = Qt::white);
    // A round icon in the status colour, with an unread count when there is one.
    static QIcon icon(Status status, int unread = 0, int size = 64);
};

} // namespace presently
