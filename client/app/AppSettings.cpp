#include "app/AppSettings.h"

#include <algorithm>

namespace presently {

namespace {
const QString kServer = QStringLiteral("server");
const QString kUser = QStringLiteral("user");
const QString kKeepSignedIn = QStringLiteral("keep_signed_in");
const QString kIdleMinutes = QStringLiteral("idle_minutes");
const QString kNotifications = QStringLiteral("notifications");
const QString kGeometry = QStringLiteral("geometry");
const QString kTrayNoteShown = QStringLiteral("tray_note_shown");
const QString kSortByRecent = QStringLiteral("sort_by_recent");
const QString kSound = QStringLiteral("sound");
const QString kTheme = QStringLiteral("theme");
} // namespace

AppSettings::AppSettings(const QString &profile)
    : m_settings(QSettings::IniFormat, QSettings::UserScope, QStringLiteral("Presently"),
                 QStringLiteral("presently-") + profile)
{}

QString AppSettings::server() const
{
    return m_settings.value(kServer, QLatin1String(kDefaultServer)).toString();
}

void AppSettings::setServer(const QString &server)
{
    m_settings.setValue(kServer, server);
}

QString AppSettings::user() const
{
    return m_settings.value(kUser).toString();
}

void AppSettings::setUser(const QString &user)
{
    m_settings.setValue(kUser, user);
}

bool AppSettings::keepSignedIn() const
{
    return m_settings.value(kKeepSignedIn, false).toBool();
}

void AppSettings::setKeepSignedIn(bool keep)
{
    m_settings.setValue(kKeepSignedIn, keep);
}

int AppSettings::idleMinutes() const
{
    return m_settings.value(kIdleMinutes, 5).toInt();
}

void AppSettings::setIdleMinutes(int minutes)
{
    m_settings.setValue(kIdleMinutes, minutes);
}

bool AppSettings::notifications() const
{
    return m_settings.value(kNotifications, true).toBool();
}

void AppSettings::setNotifications(bool on)
{
    m_settings.setValue(kNotifications, on);
}

bool AppSettings::trayNoteShown() const
{
    return m_settings.value(kTrayNoteShown, false).toBool();
}

void AppSettings::setTrayNoteShown(bool shown)
{
    m_settings.setValue(kTrayNoteShown, shown);
}

bool AppSettings::sound() const
{
    return m_settings.value(kSound, false).toBool();
}

void AppSettings::setSound(bool on)
{
    m_settings.setValue(kSound, on);
}

int AppSettings::theme() const
{
    return std::clamp(m_settings.value(kTheme, 0).toInt(), 0, 2);
}

void AppSettings::setTheme(int theme)
{
    m_settings.setValue(kTheme, theme);
}

bool AppSettings::sortByRecent() const
{
    return m_settings.value(kSortByRecent, false).toBool();
}

void AppSettings::setSortByRecent(bool recent)
{
    m_settings.setValue(kSortByRecent, recent);
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings.value(kGeometry).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings.setValue(kGeometry, geometry);
}

} // namespace presently
