#include "core/TrustedCertificates.h"

#include <QFile>
#ifndef QT_NO_SSL
#include <QSslCertificate>
#include <QSslConfiguration>
#endif

namespace presently {

bool TrustedCertificates::addCaFile(const QString &path, QString *error)
{
#ifdef QT_NO_SSL
    *error = QStringLiteral("this build of Qt has no TLS support");
    return false;
#else
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    const QList<QSslCertificate> certificates = QSslCertificate::fromDevice(&file, QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = QStringLiteral("%1 holds no PEM certificate").arg(path);
        return false;
    }
    // The default configuration is what every QWebSocket starts from; the system's CAs stay.
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.addCaCertificates(certificates);
    QSslConfiguration::setDefaultConfiguration(configuration);
    return true;
#endif
}

} // namespace presently
