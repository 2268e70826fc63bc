#pragma once

#include <QDialog>

class QCheckBox;
class QSpinBox;

namespace presently {

// The client's own settings: when to count as idle, and whether to notify of new messages.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    void setIdleMinutes(int minutes);
    int idleMinutes() const;
    void setNotifications(bool on);
    bool notifications() const;

private:
    QSpinBox *m_idleMinutes;
    QCheckBox *m_notifications;
};

} // namespace presently
