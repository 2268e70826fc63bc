#include "SentinelProcess.h"

#include "HaproxyProcess.h"

#include <QFile>
#include <QTcpSocket>
#include <QTest>

SentinelProcess::~SentinelProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool SentinelProcess::start(const QString &dir, quint16 primaryPort, QString *error)
{
    m_port = HaproxyProcess::freeLowPort();
    const QString path = QStringLiteral("%1/sentinel-%2.conf").arg(dir).arg(m_port);
    QFile conf(path);
    if (!conf.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write ") + path;
        return false;
    }
    conf.write(QStringLiteral("port %1\nbind 127.0.0.1\ndaemonize no\n"
                              "sentinel monitor mymaster 127.0.0.1 %2 2\n"
                              "sentinel down-after-milliseconds mymaster 500\n"
                              "sentinel failover-timeout mymaster 3000\n"
                              "sentinel parallel-syncs mymaster 1\n")
                   .arg(m_port)
                   .arg(primaryPort)
                   .toUtf8());
    conf.close();
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral("redis-server"), {path, QStringLiteral("--sentinel")});
    if (!m_process.waitForStarted(5000) || !QTest::qWaitFor([&] { return ask("PING") == "+PONG"; }, 10000)) {
        *error = QStringLiteral("redis-sentinel did not start: ") + QString::fromUtf8(m_process.readAll());
        return false;
    }
    return true;
}

QByteArray SentinelProcess::ask(const QByteArray &command) const
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
    if (!socket.waitForConnected(500))
        return {};
    socket.write(command + "\r\n");
    QByteArray reply;
    while (!reply.contains("\r\n") && socket.waitForReadyRead(1000))
        reply += socket.readAll();
    return reply.left(reply.indexOf("\r\n"));
}
