#pragma once

#include "net/ClientAddress.h"
#include "net/PlainHttpHandler.h"

#include <QString>
#include <QStringList>

namespace presently {

// Where the gateway listens and how many sockets it may hold.
struct ListenerSettings {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8765;
    qint64 maxMessageBytes = 64 * 1024;
    // Origins whose pages may connect (a browser sends Origin; native clients do not). Empty:
    // none; "*": any. A foreign page must not drive a gateway on localhost or an intranet.
    QStringList allowedOrigins;
    // Connections held at once (each is an open file); more are closed with 4003. -1: no limit.
    int maxConnections = -1;
    // Sockets open at once, WebSocket handshakes in progress included: accepting pauses there,
    // short of the open-file limit. -1: no limit.
    int maxSockets = -1;
    // TLS handshakes in progress at once (wss:// only; each costs a key exchange and a
    // signature): accepting pauses there, so a flood of them cannot crowd out live sessions.
    int maxTlsHandshakes = 64;
    // Connections from these networks start with a PROXY protocol v2 header naming the client
    // (HAProxy's send-proxy-v2); from anywhere else they are the client. Empty: no proxies.
    QList<ClientAddress::Subnet> trustedProxies;
    // Connections held at once from one client address (IPv6: one /64); more are closed with
    // 4005 after the handshake. 0: no limit.
    int maxConnectionsPerAddress = 0;
    // Answers plain GETs on the listen port (health checks); unset: 426 to all.
    PlainHttpHandler plainHttp;
};

} // namespace presently
