#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

namespace presently {

// A client's address as limits count it, and the networks trusted to say whose a connection is.
class ClientAddress {
public:
    // What is counted: an IPv4 address whole (IPv4-mapped IPv6 as IPv4), an IPv6 address by its
    // /64, which one host usually holds whole.
    static QByteArray key(const QHostAddress &address);

    using Subnet = QPair<QHostAddress, int>;
    // "10.0.0.0/8, 192.0.2.7, 2001:db8::/32"; false (and why) on a malformed entry.
    static bool parseSubnets(const QString &list, QList<Subnet> *subnets, QString *error);
    static bool isIn(const QHostAddress &address, const QList<Subnet> &subnets);
};

} // namespace presently
