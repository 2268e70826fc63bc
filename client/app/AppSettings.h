#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>

namespace presently {

// The app's settings, typed: one place for each key's name and default. Stored with QSettings
// (an INI file per profile, see AppController).
class AppSettings {
public:
    explicit AppSettings(const QString &profile);

    QString server() const;
    void setServer(const QString &server);
    QString user() const;
    void setUser(const QString &user);
    bool keepSignedIn() const;
    void setKeepSignedIn(bool keep);
    int idleMinutes() const;
    void setIdleMinutes(int minutes);
    bool notifications() const;
    void setNotifications(bool on);
    // A sound with each notification (off by default).
    bool sound() const;
    void setSound(bool on);
    // The note that closing the window leaves Presently in the tray is given once.
    bool trayNoteShown() const;
    void setTrayNoteShown(bool shown);
    // 0 like the system, 1 light, 2 dark (SettingsDialog::Theme).
    int theme() const;
    void setTheme(int theme);
    bool sortByRecent() const;
    void setSortByRecent(bool recent);
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);

    static constexpr const char *kDefaultServer = "ws://127.0.0.1:8765";

private:
    QSettings m_settings;
};

} // namespace presently
