#include "HaproxyProcess.h"

#include <QFile>
#include <QHostAddress>
#include <QLocalSocket>
#include <QRandomGenerator>
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
