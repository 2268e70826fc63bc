#include "RedisFixture.h"

#include <QDeadlineTimer>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QThread>
#include <hiredis/hiredis.h>

namespace {
// Below the ephemeral range, so no outgoing connection can hold it.
quint16 pickFreePort()
{
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<quint16>(20000 + QRandomGenerator::global()->bounded(12000));
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, port))
            return port;
    }
    return 0;
}
} // namespace

RedisFixture::~RedisFixture()
{
    stop();
}

QString RedisFixture::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1/0").arg(m_port);
}

bool RedisFixture::start(QString *error, const QStringList &extraArgs)
{
    m_extraArgs = extraArgs;
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = pickFreePort();
        if (m_port != 0 && launch(error))
            return true;
    }
    return false;
}

bool RedisFixture::startSecured(QString *error)
{
    setAuth({"AUTH", kUser, kUserPassword});
    return start(error, {QStringLiteral("--requirepass"), QLatin1String(kPassword), QStringLiteral("--user"),
                         QLatin1String(kUser), QStringLiteral("on"), QLatin1Char('>') + QLatin1String(kUserPassword),
                         QStringLiteral("~*"), QStringLiteral("&*"), QStringLiteral("+@all")});
}

bool RedisFixture::launch(QString *error)
{
    QStringList args{QStringLiteral("--port"),       QString::number(m_port),
                     QStringLiteral("--bind"),       QStringLiteral("127.0.0.1"),
                     QStringLiteral("--save"),       QString(),
                     QStringLiteral("--appendonly"), QStringLiteral("no"),
                     QStringLiteral("--dir"),        m_dir.path(),
                     QStringLiteral("--daemonize"),  QStringLiteral("no")};
    args += m_extraArgs;
    m_process.setProgram(QStringLiteral("redis-server"));
    m_process.setArguments(args);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start();
    if (!m_process.waitForStarted(5000)) {
        *error = QStringLiteral("redis-server did not start: ") + m_process.errorString();
        return false;
    }
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (m_process.state() != QProcess::Running) {
            *error = QStringLiteral("redis-server exited: ") + QString::fromUtf8(m_process.readAll());
            return false;
        }
        const presently::RedisReply pong = command({"PING"});
        if (pong.type == presently::RedisReply::Type::Status)
            return true;
        m_process.waitForReadyRead(20);
    }
    *error = QStringLiteral("redis-server did not answer PING");
    stop();
    return false;
}

void RedisFixture::disconnect()
{
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
}

void RedisFixture::stop()
{
    disconnect();
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate(); // SIGTERM to this PID
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool RedisFixture::restart(QString *error)
{
    stop();
    return launch(error);
}

presently::RedisReply RedisFixture::command(const QList<QByteArray> &args)
{
    if (!m_context) {
        const timeval timeout{2, 0};
        m_context = redisConnectWithTimeout("127.0.0.1", m_port, timeout);
        if (!m_context || m_context->err) {
            disconnect();
            return {};
        }
        redisSetTimeout(m_context, timeout);
        if (!m_auth.isEmpty() && run(m_auth).type != presently::RedisReply::Type::Status) {
            disconnect();
            return {};
        }
    }
    return run(args);
}

presently::RedisReply RedisFixture::run(const QList<QByteArray> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(static_cast<size_t>(a.size()));
    }
    auto *reply =
        static_cast<redisReply *>(redisCommandArgv(m_context, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (!reply) {
        disconnect();
        return {};
    }
    presently::RedisReply out = presently::RedisReply::fromHiredis(reply);
    freeReplyObject(reply);
    return out;
}

qint64 RedisFixture::totalCommandCalls()
{
    const presently::RedisReply info = command({"INFO", "commandstats"});
    qint64 total = 0;
    for (const QByteArray &line : info.string.split('\n')) {
        const qsizetype at = line.indexOf("calls=");
        if (!line.startsWith("cmdstat_") || at < 0)
            continue;
        const qsizetype end = line.indexOf(',', at);
        total += line.mid(at + 6, end - at - 6).toLongLong();
    }
    return total;
}
