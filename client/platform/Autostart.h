#pragma once

#include <QString>

namespace presently {

// Starting the app when the user logs in: an XDG autostart entry on Linux and other Unix
// desktops, the Run key on Windows, a LaunchAgent on macOS. One entry per profile.
class Autostart {
public:
    explicit Autostart(const QString &profile);

    static bool isSupported();
    bool isEnabled() const;
    // Starts `program` (this executable) with --profile at login, or no longer; false on failure.
    bool setEnabled(bool enabled, const QString &program);

private:
    QString entryName() const;
    QString m_profile;
};

} // namespace presently
