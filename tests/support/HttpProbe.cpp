#include "HttpProbe.h"

#include <QHostAddress>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <memory>
#include <utility>

namespace HttpProbe {

void get(QObject *owner, quint16 port, const QByteArray &path, int timeoutMs, Done done)
{
    auto *socket = new QTcpSocket(owner);
    auto *timer = new QTimer(socket);
    auto response = std::make_shared<QByteArray>();
    auto fired = std::make_shared<bool>(false);
    // Called once: on the server's close, an error, or the timeout; the socket goes after.
    // The owner's members are gone by the time its children (this socket) are: no callback then.
    const QPointer<QObject> alive(owner);
    const auto finish = [socket, response, done, fired, alive, owned = owner != nullptr] {
        if (std::exchange(*fired, true) || (owned && !alive))
            return;
        *response += socket->readAll();
        int status = 0;
        if (response->startsWith("HTTP/1.") && response->size() >= 12)
            status = response->mid(9, 3).toInt();
        const qsizetype bodyAt = response->indexOf("\r\n\r\n");
        done(status, bodyAt < 0 ? QByteArray() : response->mid(bodyAt + 4));
        socket->deleteLater();
    };
    QObject::connect(socket, &QTcpSocket::connected, socket,
                     [socket, path] { socket->write("GET " + path + " HTTP/1.0\r\nHost: gateway\r\n\r\n"); });
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket, response] { *response += socket->readAll(); });
    QObject::connect(socket, &QTcpSocket::disconnected, socket, finish);
    QObject::connect(socket, &QTcpSocket::errorOccurred, socket, finish);
    QObject::connect(timer, &QTimer::timeout, socket, finish);
    timer->setSingleShot(true);
    timer->start(timeoutMs);
    socket->connectToHost(QHostAddress::LocalHost, port);
}

double series(const QByteArray &scrape, const QByteArray &name)
{
    for (const QByteArray &line : scrape.split('\n')) {
        if (line.startsWith(name + ' '))
            return line.mid(name.size() + 1).toDouble();
    }
    return -1;
}

} // namespace HttpProbe
