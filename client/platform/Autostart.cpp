#include "platform/Autostart.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

namespace presently {

namespace {
#if defined(Q_OS_WIN)
const QString kRunKey = QStringLiteral("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
#elif defined(Q_OS_MACOS)
QString agentPath(const QString &name)
{
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/") + name + QStringLiteral(".plist");
}
#else
QString desktopEntryPath(const QString &name)
{
    // $XDG_CONFIG_HOME/autostart (the XDG Autostart specification).
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + QStringLiteral("/autostart/") +
           name + QStringLiteral(".desktop");
}
#endif

#if !defined(Q_OS_WIN)
bool writeFile(const QString &path, const QByteArray &contents)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(contents);
    return file.commit();
}
#endif
} // namespace

Autostart::Autostart(const QString &profile)
    : m_profile(profile)
{}

QString Autostart::entryName() const
{
    return m_profile == QLatin1String("default") ? QStringLiteral("io.presently.Presently")
                                                 : QStringLiteral("io.presently.Presently-") + m_profile;
}

bool Autostart::isSupported()
{
    return true;
}

#if defined(Q_OS_WIN)
bool Autostart::isEnabled() const
{
    return QSettings(kRunKey, QSettings::NativeFormat).contains(entryName());
}

bool Autostart::setEnabled(bool enabled, const QString &program)
{
    QSettings run(kRunKey, QSettings::NativeFormat);
    if (enabled)
        run.setValue(entryName(),
                     QStringLiteral("\"%1\" --profile %2").arg(QDir::toNativeSeparators(program), m_profile));
    else
        run.remove(entryName());
    run.sync();
    return run.status() == QSettings::NoError;
}
#elif defined(Q_OS_MACOS)
bool Autostart::isEnabled() const
{
    return QFile::exists(agentPath(entryName()));
}

bool Autostart::setEnabled(bool enabled, const QString &program)
{
    const QString path = agentPath(entryName());
    if (!enabled)
        return !QFile::exists(path) || QFile::remove(path);
    const QString plist =
        QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                       "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                       "<plist version=\"1.0\"><dict>\n"
                       "<key>Label</key><string>%1</string>\n"
                       "<key>ProgramArguments</key><array><string>%2</string><string>--profile</string>"
                       "<string>%3</string></array>\n"
                       "<key>RunAtLoad</key><true/>\n"
                       "</dict></plist>\n")
            .arg(entryName(), program.toHtmlEscaped(), m_profile.toHtmlEscaped());
    return writeFile(path, plist.toUtf8());
}
#else
bool Autostart::isEnabled() const
{
    return QFile::exists(desktopEntryPath(entryName()));
}

bool Autostart::setEnabled(bool enabled, const QString &program)
{
    const QString path = desktopEntryPath(entryName());
    if (!enabled)
        return !QFile::exists(path) || QFile::remove(path);
    // Exec quoting per the Desktop Entry specification: arguments in double quotes.
    const auto quoted = [](QString arg) {
        arg.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
        return QLatin1Char('"') + arg + QLatin1Char('"');
    };
    const QString entry = QStringLiteral("[Desktop Entry]\n"
                                         "Type=Application\n"
                                         "Name=Presently\n"
                                         "Comment=Chat with live presence\n"
                                         "Exec=%1 --profile %2\n"
                                         "Icon=io.presently.Presently\n"
                                         "X-GNOME-Autostart-enabled=true\n")
                              .arg(quoted(program), quoted(m_profile));
    return writeFile(path, entry.toUtf8());
}
#endif

} // namespace presently
