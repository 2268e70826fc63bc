#include "net/Listener.h"

#include "metrics/Metrics.h"
#include "net/ServerWebSocket.h"
#include "net/SocketIo.h"
#include "net/TlsContext.h"
#include "net/TlsStream.h"
#include "protocol/Protocol.h"

#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTimer>

Q_LOGGING_CATEGORY(lcNet, "presently.net")

namespace presently {

namespace {
constexpr int kAcceptRetryMs = 100;
constexpr int kRefuseDelayMs = 20;
constexpr int kHandshakeTimeoutMs = 10000;
// At the TLS handshake cap, a handshake older than this is ended to make room.
constexpr int kSlowTlsHandshakeMs = 1000;
} // namespace

Listener::Listener(const ListenerSettings &settings, std::function<int()> connectionCount, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_connectionCount(std::move(connectionCount))
    , m_server(new QTcpServer(this))
{
    m_clock.start();
    m_evictTimer.setInterval(kSlowTlsHandshakeMs / 4);
    connect(&m_evictTimer, &QTimer::timeout, this, &Listener::evictSlowHandshakes);
}

Listener::~Listener()
{
    close();
}

bool Listener::listen(QString *error)
{
    QHostAddress address;
    if (m_settings.host == QLatin1String("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(m_settings.host)) {
        *error = QStringLiteral("--listen host must be an IP address or localhost: %1").arg(m_settings.host);
        return false;
    }
    if (!m_server->listen(address, m_settings.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_settings.host)
                     .arg(m_settings.port)
                     .arg(m_server->errorString());
        return false;
    }
    // QTcpServer only listens: we accept ourselves, one descriptor at a time, so that every socket
    // is counted, handshakes included, and accepting pauses before the process runs out of files
    // (where Qt's accept loop would spin on EMFILE). No QTcpSocket is made for a session.
    m_server->pauseAccepting();
    m_acceptNotifier = new QSocketNotifier(m_server->socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &Listener::acceptConnections);
    return true;
}

void Listener::setTlsContext(std::shared_ptr<const TlsContext> tls)
{
    m_tls = std::move(tls);
}

bool Listener::mayAccept() const
{
    return (m_settings.maxSockets < 0 || m_openSockets < m_settings.maxSockets) &&
           (!m_tls || m_tlsHandshakes.size() < m_settings.maxTlsHandshakes);
}

void Listener::resumeAccepting()
{
    if (m_acceptNotifier && !m_acceptNotifier->isEnabled() && mayAccept()) {
        m_acceptNotifier->setEnabled(true);
        m_evictTimer.stop();
    }
}

void Listener::pauseAccepting()
{
    m_acceptNotifier->setEnabled(false);
    if (m_tls && m_tlsHandshakes.size() >= m_settings.maxTlsHandshakes && !m_evictTimer.isActive())
        m_evictTimer.start();
}

void Listener::handshakeEnded(QObject *socket)
{
    if (m_tlsHandshakes.remove(socket))
        resumeAccepting();
}

void Listener::evictSlowHandshakes()
{
    const qint64 now = m_clock.elapsed();
    QList<ServerWebSocket *> slow;
    for (auto it = m_tlsHandshakes.cbegin(); it != m_tlsHandshakes.cend(); ++it) {
        if (now - it.value() >= kSlowTlsHandshakeMs)
            slow.append(static_cast<ServerWebSocket *>(it.key()));
    }
    for (ServerWebSocket *socket : slow) {
        Metrics::instance().countRefused("slow_tls_handshake");
        socket->abort(); // disconnected: deleted later, and handshakeEnded() then
    }
    for (ServerWebSocket *socket : slow)
        m_tlsHandshakes.remove(socket);
    resumeAccepting();
}

void Listener::close()
{
    m_evictTimer.stop();
    delete m_acceptNotifier; // before its descriptor closes
    m_acceptNotifier = nullptr;
    m_server->close();
}

quint16 Listener::port() const
{
    return m_server->serverPort();
}

QString Listener::listenAddress() const
{
    const QHostAddress address = m_server->serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(m_server->serverPort());
}

void Listener::acceptConnections()
{
    const qintptr listener = m_server->socketDescriptor();
    while (mayAccept()) {
        SocketIo::AcceptStatus status;
        const qintptr descriptor = SocketIo::accept(listener, &status);
        if (status == SocketIo::AcceptStatus::WouldBlock)
            return;
        if (status != SocketIo::AcceptStatus::Accepted) {
            // Out of files (EMFILE) and the like: try again shortly, when refused or closed
            // connections have given files back.
            qCWarning(lcNet) << "cannot accept a connection:"
                             << (status == SocketIo::AcceptStatus::OutOfFiles ? "out of files" : "error")
                             << "- retrying in" << kAcceptRetryMs << "ms";
            m_acceptNotifier->setEnabled(false);
            QTimer::singleShot(kAcceptRetryMs, m_acceptNotifier,
                               [notifier = m_acceptNotifier] { notifier->setEnabled(true); });
            return;
        }
        std::unique_ptr<TlsStream> tls;
        if (m_tls) {
            SSL *session = m_tls->newSession(descriptor);
            if (!session) {
                qCWarning(lcNet) << "cannot start TLS on a connection (out of memory?)";
                SocketIo::close(descriptor);
                continue;
            }
            tls = std::make_unique<TlsStream>(session);
        }
        ++m_openSockets;
        auto *socket = new ServerWebSocket(descriptor, std::move(tls), m_settings.maxMessageBytes,
                                           m_settings.allowedOrigins, this);
        connect(socket, &QObject::destroyed, this, &Listener::onSocketDestroyed);
        if (!m_settings.trustedProxies.isEmpty() &&
            ClientAddress::isIn(SocketIo::peerAddress(descriptor), m_settings.trustedProxies))
            socket->expectProxyHeader();
        if (m_tls)
            m_tlsHandshakes.insert(socket, m_clock.elapsed());
        connect(socket, &ServerWebSocket::opened, this, [this, socket] {
            handshakeEnded(socket);
            onHandshakeDone(socket);
        });
        connect(socket, &ServerWebSocket::disconnected, this, [this, socket] {
            if (socket->parent() == this) // not handed on (handshake failed, or refused)
                socket->deleteLater();
        });
        socket->setPlainHttpHandler(m_settings.plainHttp);
        QTimer::singleShot(kHandshakeTimeoutMs, socket, [socket] {
            if (socket->state() == ServerWebSocket::State::Handshaking) {
                Metrics::instance().countRefused("handshake_timeout");
                socket->abort();
            }
        });
    }
    // At a limit: connections wait in the kernel's backlog until some socket closes or finishes
    // its handshake.
    pauseAccepting();
    if (m_settings.maxSockets >= 0 && m_openSockets >= m_settings.maxSockets && !m_warnedSockets) {
        qCWarning(lcNet) << m_openSockets << "sockets open, the most this process can hold; new connections"
                         << "wait until some close";
        m_warnedSockets = true;
    }
}

void Listener::onSocketDestroyed(QObject *socket)
{
    --m_openSockets;
    m_warnedSockets = false;
    handshakeEnded(socket);
    resumeAccepting();
}

void Listener::onHandshakeDone(ServerWebSocket *socket)
{
    const int held = m_connectionCount ? m_connectionCount() : 0;
    if (m_settings.maxConnections >= 0 && held >= m_settings.maxConnections) {
        // Full: say so with a close the client understands (back off, retry) rather than leave
        // it waiting. The files reserved below the limit pay for these short-lived sockets.
        if (!m_warnedFull) {
            qCWarning(lcNet).noquote() << "holding" << held
                                       << "connections, the most this process can; refusing more with 4003 until "
                                          "some close."
                                       << (m_loadReport ? m_loadReport() : QString());
            m_warnedFull = true;
        }
        refuse(socket, CloseCode::TryAgainLater, QStringLiteral("server full, try again later"));
        return;
    }
    m_warnedFull = false;
    if (!admitFromAddress(socket))
        return;
    socket->setParent(nullptr);
    Q_EMIT channelOpened(socket);
}

bool Listener::admitFromAddress(ServerWebSocket *socket)
{
    if (m_settings.maxConnectionsPerAddress <= 0)
        return true;
    const QHostAddress address = socket->peerAddress();
    const QByteArray key = ClientAddress::key(address);
    int &held = m_connectionsPerAddress[key];
    if (held >= m_settings.maxConnectionsPerAddress) {
        qCInfo(lcNet).noquote() << "refusing a connection from" << address.toString() << "with 4005: it holds" << held
                                << "already";
        refuse(socket, CloseCode::TooManyFromAddress,
               QStringLiteral("too many connections from your address (at most %1)")
                   .arg(m_settings.maxConnectionsPerAddress));
        return false;
    }
    ++held;
    connect(socket, &QObject::destroyed, this, [this, key] {
        const auto it = m_connectionsPerAddress.find(key);
        if (it != m_connectionsPerAddress.end() && --*it <= 0)
            m_connectionsPerAddress.erase(it);
    });
    return true;
}

void Listener::refuse(ServerWebSocket *socket, quint16 code, const QString &reason)
{
    Metrics::instance().countRefused(code == CloseCode::TryAgainLater ? "full" : "per_address");
    // A close frame in the same segment as the handshake response is misread by some clients
    // (Qt 6.4's own reports 1002): send it a moment later.
    QTimer::singleShot(kRefuseDelayMs, socket, [socket, code, reason] { socket->close(code, reason); });
}

} // namespace presently
