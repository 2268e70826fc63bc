#include "ServerProcess.h"

#include <QDeadlineTimer>
#include <QRegularExpression>
#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

ServerProcess::~ServerProcess()
{
    kill();
}

QStringList ServerProcess::fleetArgs(const QString &redisUrl, const QString &sqlitePath, int presenceTtlMs,
                                     int heartbeatIntervalMs, const QString &serverId)
{
    return {QStringLiteral("--redis"),
            redisUrl,
            QStringLiteral("--db"),
            QStringLiteral("sqlite:") + sqlitePath,
            QStringLiteral("--presence-ttl-ms"),
            QString::number(presenceTtlMs),
            QStringLiteral("--heartbeat-interval-ms"),
            QString::number(heartbeatIntervalMs),
            QStringLiteral("--server-id"),
            serverId};
}

bool ServerProcess::start(const QStringList &args, QString *error)
{
    QStringList all = args;
    if (!all.contains(QStringLiteral("--listen")))
        all << QStringLiteral("--listen") << QStringLiteral("127.0.0.1:0");
    m_process.setProgram(QStringLiteral(PRESENTLY_SERVER_BINARY));
    m_process.setArguments(all);
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    // A statement run on the gateway's event loop is a bug the tests must not miss.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PRESENTLY_FATAL_LOOP_SQL"), QStringLiteral("1"));
    // Suites make dozens of accounts from 127.0.0.1 within minutes; the limit has its own test
    // (a flag given there wins over this).
    environment.insert(QStringLiteral("PRESENTLY_REGISTRATIONS_PER_ADDRESS_PER_HOUR"), QStringLiteral("0"));
    m_process.setProcessEnvironment(environment);
#ifdef Q_OS_UNIX
    if (m_openFileLimit > 0) {
        const auto files = static_cast<rlim_t>(m_openFileLimit);
        m_process.setChildProcessModifier([files] {
            const rlimit limit{files, files};
            setrlimit(RLIMIT_NOFILE, &limit);
        });
    }
#endif
    m_process.start();
    if (!m_process.waitForStarted(10000)) {
        *error = QStringLiteral("server did not start: ") + m_process.errorString();
        return false;
    }
    const QDeadlineTimer deadline(30000);
    QByteArray line;
    while (!deadline.hasExpired() && m_process.state() == QProcess::Running) {
        if (!m_process.canReadLine() && !m_process.waitForReadyRead(50))
            continue;
        line = m_process.readLine();
        m_output += line;
        const QRegularExpressionMatch admin =
            QRegularExpression(QStringLiteral("^admin on \\S+:(\\d+)\\s*$")).match(QString::fromUtf8(line));
        if (admin.hasMatch())
            m_adminPort = static_cast<quint16>(admin.captured(1).toUInt());
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral("^listening on (\\S+):(\\d+)\\s*$")).match(QString::fromUtf8(line));
        if (match.hasMatch()) {
            m_url = QUrl(QStringLiteral("ws://%1:%2/").arg(match.captured(1), match.captured(2)));
            return true;
        }
    }
    *error = QStringLiteral("server did not print its address: ") + QString::fromUtf8(m_output) +
             QString::fromUtf8(m_process.readAllStandardError());
    kill();
    return false;
}

void ServerProcess::terminate()
{
    if (m_process.state() != QProcess::NotRunning)
        m_process.terminate();
}

void ServerProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(5000);
}

bool ServerProcess::waitForExit(int timeoutMs)
{
    return m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
}

QByteArray ServerProcess::output()
{
    m_output += m_process.readAllStandardOutput();
    m_errors += m_process.readAllStandardError();
    return m_output + m_errors;
}
