#include "net/AdminHttpServer.h"

#include "net/WebSocketCodec.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace presently {

namespace {
constexpr int kMaxConnections = 32;
constexpr qsizetype kMaxRequestBytes = 8 * 1024;
constexpr int kRequestTimeoutMs = 5000;
} // namespace

AdminHttpServer::AdminHttpServer(const QString &host, quint16 port, PlainHttpHandler handler, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_port(port)
    , m_handler(std::move(handler))
    , m_server(new QTcpServer(this))
{
    m_server->setMaxPendingConnections(kMaxConnections);
    connect(m_server, &QTcpServer::newConnection, this, &AdminHttpServer::acceptConnections);
}

bool AdminHttpServer::listen(QString *error)
{
    if (m_server->listen(QHostAddress(m_host), m_port))
        return true;
    *error = QStringLiteral("cannot listen on the admin address %1:%2: %3")
                 .arg(m_host)
                 .arg(m_port)
                 .arg(m_server->errorString());
    return false;
}

QString AdminHttpServer::listenAddress() const
{
    return QStringLiteral("%1:%2").arg(m_host).arg(m_server->serverPort());
}

void AdminHttpServer::acceptConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_open >= kMaxConnections) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++m_open;
        connect(socket, &QObject::destroyed, this, [this] { --m_open; });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readRequest(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(kRequestTimeoutMs, socket, [socket] { socket->abort(); });
    }
}

void AdminHttpServer::readRequest(QTcpSocket *socket)
{
    const QByteArray request = socket->peek(kMaxRequestBytes + 1);
    const WebSocketCodec::Handshake head =
        WebSocketCodec::readHandshake(request.constData(), request.size(), kMaxRequestBytes);
    if (head.status == WebSocketCodec::Handshake::Status::Incomplete)
        return;
    socket->readAll();
    // One request per connection: whatever follows is not read.
    QObject::disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    QByteArray response;
    if (head.status == WebSocketCodec::Handshake::Status::Plain)
        response = m_handler(head.target);
    if (response.isEmpty() && head.status != WebSocketCodec::Handshake::Status::Rejected)
        response = WebSocketCodec::httpResponse("404 Not Found", "text/plain; charset=utf-8", "not found\n");
    socket->write(response.isEmpty() ? head.response : response);
    socket->disconnectFromHost();
}

} // namespace presently
