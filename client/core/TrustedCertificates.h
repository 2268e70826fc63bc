#pragma once

#include <QString>

namespace presently {

// Which servers' certificates wss:// connections accept: the system's CAs, and those of a
// private CA the user names (--ca-file), for a company's or a test's own server.
class TrustedCertificates {
public:
    // Adds the PEM certificates in `path` to every later connection's trusted CAs. False (and
    // why) when the file cannot be read or holds no certificate.
    static bool addCaFile(const QString &path, QString *error);
};

} // namespace presently
