#pragma once

#include "net/PlainHttpHandler.h"

#include <QObject>
#include <QString>

class QTcpServer;
class QTcpSocket;

namespace presently {

// The admin address (--admin-listen): plain HTTP/1.x GETs for operators and their tools
// (health checks, Prometheus scrapes), one request per connection. Few and small: at most 32
// connections, 8 KiB of request and 5 s each; anything else is a 404 or is closed.
class AdminHttpServer : public QObject {
    Q_OBJECT
public:
    AdminHttpServer(const QString &host, quint16 port, PlainHttpHandler handler, QObject *parent = nullptr);

    bool listen(QString *error);
    QString listenAddress() const; // HOST:PORT with the real port

private:
    void acceptConnections();
    void readRequest(QTcpSocket *socket);

    QString m_host;
    quint16 m_port;
    PlainHttpHandler m_handler;
    QTcpServer *m_server;
    int m_open = 0;
};

} // namespace presently
