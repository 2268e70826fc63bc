#include "HaproxyProcess.h"

#include <QFile>
#include <QHostAddress>
#include <QLocalSocket>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#ifdef Q_OS_UNIX
#include <csignal>
#endif

HaproxyProcess::~HaproxyProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill(); // the master's PID; its workers leave with it (-W)
        m_process.waitForFinished(5000);
    }
}

QByteArray HaproxyProcess::packagedConfig(const QString &packagedPath, quint16 listenPort,
                                          const QList<quint16> &gateways, const QString &statsSocket)
{
    QFile file(packagedPath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(file.readAll());
    // TLS termination stays the file's as shipped (TestLoadBalancer checks it with haproxy -c).
    text.replace(QRegularExpression(QStringLiteral("\\n    bind :443 [^\\n]*")),
                 QStringLiteral("\n    bind 127.0.0.1:%1").arg(listenPort));
    text.replace(QStringLiteral("\nglobal\n"),
                 QStringLiteral("\nglobal\n    stats socket %1 level admin\n").arg(statsSocket));
    text.replace(QStringLiteral(" inter 2s "), QStringLiteral(" inter 200ms "));
    // This machine allows 20,000 open files per process (haproxy needs two per connection).
    text.replace(QStringLiteral("maxconn 200000"), QStringLiteral("maxconn 2000"));
    text.replace(QStringLiteral("maxconn 50000"), QStringLiteral("maxconn 1000"));
    text.remove(QRegularExpression(QStringLiteral("\\n    server gw[0-9]+ 10\\.[^\\n]*")));
    for (qsizetype i = 0; i < gateways.size(); ++i)
        text += QStringLiteral("    server gw%1 127.0.0.1:%2\n").arg(i + 1).arg(gateways.at(i));
    return text.toUtf8();
}

quint16 HaproxyProcess::freeLowPort()
{
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<quint16>(QRandomGenerator::global()->bounded(20000, 32000));
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, port))
            return port;
    }
    return 0;
}

bool HaproxyProcess::start(const QString &configPath, const QByteArray &config, quint16 listenPort, QString *error)
{
    QFile file(configPath);
    if (!file.open(QIODevice::WriteOnly) || file.write(config) != config.size()) {
        *error = QStringLiteral("cannot write ") + configPath;
        return false;
    }
    file.close();
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral("haproxy"),
                    {QStringLiteral("-W"), QStringLiteral("-db"), QStringLiteral("-f"), configPath});
    if (!m_process.waitForStarted(5000)) {
        *error = QStringLiteral("haproxy did not start: ") + m_process.errorString();
        return false;
    }
    const bool listening = QTest::qWaitFor(
        [&] {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, listenPort);
            return probe.waitForConnected(200) || m_process.state() == QProcess::NotRunning;
        },
        10000);
    if (!listening || m_process.state() == QProcess::NotRunning) {
        *error = QStringLiteral("haproxy did not listen: ") + QString::fromUtf8(m_process.readAll());
        return false;
    }
    return true;
}

void HaproxyProcess::reload()
{
#ifdef Q_OS_UNIX
    if (m_process.state() != QProcess::NotRunning)
        ::kill(static_cast<pid_t>(m_process.processId()), SIGUSR2);
#endif
}

QByteArray HaproxyProcess::statsCommand(const QString &socketPath, const QByteArray &command)
{
    QLocalSocket socket;
    socket.connectToServer(socketPath);
    if (!socket.waitForConnected(2000))
        return {};
    socket.write(command + '\n');
    QByteArray answer;
    while (socket.waitForReadyRead(2000))
        answer += socket.readAll();
    return answer + socket.readAll();
}

int HaproxyProcess::serverState(const QString &socketPath, const QByteArray &backend, const QByteArray &server)
{
    // Lines: be_id be_name srv_id srv_name srv_addr srv_op_state ...
    for (const QByteArray &line : statsCommand(socketPath, "show servers state " + backend).split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() > 5 && fields.at(1) == backend && fields.at(3) == server)
            return fields.at(5).toInt();
    }
    return -1;
}
