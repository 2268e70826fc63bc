#include "sql/DatabaseAddress.h"

#include <QUrl>
#include <QUrlQuery>

namespace presently {

QString DatabaseAddress::usage()
{
    return QStringLiteral("--db must be sqlite:PATH or postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DB][?OPTIONS]");
}

QString DatabaseAddress::describe() const
{
    if (!isPostgres())
        return QStringLiteral("sqlite:") + path;
    QString where = QStringLiteral("postgresql://");
    if (!user.isEmpty())
        where += user + QLatin1Char('@');
    where += host;
    if (port > 0)
        where += QLatin1Char(':') + QString::number(port);
    return where + QLatin1Char('/') + database;
}

std::optional<DatabaseAddress> DatabaseAddress::parse(const QString &text, QString *error)
{
    DatabaseAddress address;
    if (text.startsWith(QLatin1String("sqlite:"))) {
        address.path = text.mid(7);
        if (address.path.isEmpty()) {
            *error = usage();
            return std::nullopt;
        }
        return address;
    }
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != QLatin1String("postgresql") && scheme != QLatin1String("postgres"))) {
        *error = usage();
        return std::nullopt;
    }
    address.engine = Engine::Postgres;
    address.host = url.host(QUrl::FullyDecoded);
    address.port = url.port(-1);
    address.user = url.userName(QUrl::FullyDecoded);
    address.password = url.password(QUrl::FullyDecoded);
    address.database = url.path(QUrl::FullyDecoded).mid(1);
    if (address.database.contains(QLatin1Char('/'))) {
        *error = usage() + QStringLiteral(" (one database name after the host)");
        return std::nullopt;
    }
    QStringList options;
    for (const auto &[key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        // QtSql passes these to libpq as they are: keep them to libpq's keyword characters.
        const bool plain = !key.isEmpty() && !key.contains(QLatin1Char(';')) && !key.contains(QLatin1Char('=')) &&
                           !value.contains(QLatin1Char(';'));
        if (!plain) {
            *error = usage() + QStringLiteral(" (option \"%1\" is not KEY=VALUE)").arg(key);
            return std::nullopt;
        }
        options.append(key + QLatin1Char('=') + value);
    }
    address.options = options.join(QLatin1Char(';'));
    return address;
}

} // namespace presently
