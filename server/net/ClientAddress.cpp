#include "net/ClientAddress.h"

namespace presently {

namespace {
QHostAddress unmapped(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4); // IPv4-mapped IPv6 too
    return isV4 ? QHostAddress(v4) : address;
}
} // namespace

QByteArray ClientAddress::key(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QByteArray::number(v4);
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return QByteArrayLiteral("?");
    const Q_IPV6ADDR v6 = address.toIPv6Address();
    return QByteArray(reinterpret_cast<const char *>(v6.c), 8); // the /64
}

bool ClientAddress::parseSubnets(const QString &list, QList<Subnet> *subnets, QString *error)
{
    subnets->clear();
    for (const QString &part : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString entry = part.trimmed();
        Subnet subnet =
            entry.contains(QLatin1Char('/')) ? QHostAddress::parseSubnet(entry) : Subnet(QHostAddress(entry), -1);
        if (subnet.first.isNull()) {
            *error = QStringLiteral("\"%1\" is not an address or a network like 10.0.0.0/8").arg(entry);
            return false;
        }
        subnet.first = unmapped(subnet.first);
        if (subnet.second < 0)
            subnet.second = subnet.first.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
        subnets->append(subnet);
    }
    return true;
}

bool ClientAddress::isIn(const QHostAddress &address, const QList<Subnet> &subnets)
{
    const QHostAddress plain = unmapped(address);
    for (const Subnet &subnet : subnets) {
        if (plain.isInSubnet(subnet))
            return true;
    }
    return false;
}

} // namespace presently
