#include "ui/TrayIcon.h"

#include "ui/StatusPainter.h"

#include <QMenu>

namespace presently {

TrayIcon::TrayIcon(QObject *parent)
    : QSystemTrayIcon(parent)
{
    auto *menu = new QMenu;
    menu->addAction(tr("Show Presently"), this, &TrayIcon::showRequested);
    menu->addSeparator();
    menu->addAction(tr("Quit"), this, &TrayIcon::quitRequested);
    setContextMenu(menu);
    connect(this, &QSystemTrayIcon::activated, this, [this](ActivationReason reason) {
        if (reason == Trigger || reason == DoubleClick)
            Q_EMIT showRequested();
    });
    connect(this, &QObject::destroyed, menu, &QObject::deleteLater);
    update(Status::Offline, 0);
}

void TrayIcon::update(Status ownStatus, int unread)
{
    setIcon(StatusPainter::icon(ownStatus, unread));
    setToolTip(unread > 0 ? tr("Presently — %1 unread").arg(unread)
                          : tr("Presently — %1").arg(StatusPainter::label(ownStatus)));
}

void TrayIcon::notify(const QString &title, const QString &text)
{
    if (supportsMessages())
        showMessage(title, text, QSystemTrayIcon::Information, 5000);
}

} // namespace presently
