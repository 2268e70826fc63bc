#pragma once

#include "protocol/Protocol.h"

#include <QSystemTrayIcon>

namespace presently {

// A tray icon in the colour of one's own status, with the unread count; new-message
// notifications go through it.
class TrayIcon : public QSystemTrayIcon {
    Q_OBJECT
public:
    explicit TrayIcon(QObject *parent = nullptr);

    void update(Status ownStatus, int unread);
    void notify(const QString &title, const QString &text);

Q_SIGNALS:
    void showRequested();
    void quitRequested();
};

} // namespace presently
