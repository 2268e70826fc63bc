#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace presently {

// The client's own settings: the server, when to count as idle, notifications and their sound,
// starting at login, the theme; the account's password, and signing out here or everywhere.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    enum class Theme { System, Light, Dark };
    struct Values {
        QString server;
        int idleMinutes = 5;
        bool notifications = true;
        bool sound = false;
        bool startAtLogin = false;
        Theme theme = Theme::System;
    };

    explicit SettingsDialog(QWidget *parent = nullptr);

    void setValues(const Values &values);
    Values values() const;
    // Starting at login is not offered where the platform has no way for it.
    void setStartAtLoginAvailable(bool available);

Q_SIGNALS:
    void signOutRequested();
    void signOutEverywhereRequested();
    void changePasswordRequested();

private:
    QLineEdit *m_server;
    QSpinBox *m_idleMinutes;
    QCheckBox *m_notifications;
    QCheckBox *m_sound;
    QCheckBox *m_startAtLogin;
    QComboBox *m_theme;
};

} // namespace presently
