#include "PostgresProcess.h"

#include "HaproxyProcess.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>
#include <QUrl>
#include <QUuid>
#ifdef Q_OS_UNIX
#include <csignal>
#include <pwd.h>
#include <unistd.h>
#endif

PostgresProcess::~PostgresProcess()
{
    if (isRunning())
        kill();
}

QString PostgresProcess::binary(const QString &name)
{
    // Debian keeps the server's programs out of PATH, one folder per major version.
    const QString onPath = QStandardPaths::findExecutable(name);
    if (!onPath.isEmpty())
        return onPath;
    QDir versions(QStringLiteral("/usr/lib/postgresql"));
    QStringList found = versions.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(found.begin(), found.end(), [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &version : std::as_const(found)) {
        const QString path = versions.filePath(version + QStringLiteral("/bin/") + name);
        if (QFile::exists(path))
            return path;
    }
    return name;
}

QStringList PostgresProcess::asServerUser(const QString &program, const QStringList &args) const
{
    if (m_uid < 0)
        return QStringList{program} + args;
    // setpriv execs the program itself: the PID the test holds is the server's.
    return QStringList{QStringLiteral("setpriv"), QStringLiteral("--reuid=%1").arg(m_uid),
                       QStringLiteral("--regid=%1").arg(m_gid), QStringLiteral("--clear-groups"), program} +
           args;
}

bool PostgresProcess::initialize(QString *error)
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary folder");
        return false;
    }
    m_dataDir = m_dir.filePath(QStringLiteral("data"));
    const QString passwordFile = m_dir.filePath(QStringLiteral("password"));
    QFile file(passwordFile);
    if (!file.open(QIODevice::WriteOnly) || file.write(QByteArray(kPassword) + '\n') < 0) {
        *error = QStringLiteral("cannot write ") + passwordFile;
        return false;
    }
    file.close();
#ifdef Q_OS_UNIX
    if (geteuid() == 0) {
        const passwd *user = getpwnam("postgres");
        if (!user)
            user = getpwnam("nobody");
        if (!user) {
            *error = QStringLiteral("running as root and no unprivileged user (postgres, nobody) for initdb");
            return false;
        }
        m_uid = static_cast<int>(user->pw_uid);
        m_gid = static_cast<int>(user->pw_gid);
        for (const QString &path : {m_dir.path(), passwordFile}) {
            if (chown(QFile::encodeName(path).constData(), user->pw_uid, user->pw_gid) != 0) {
                *error = QStringLiteral("cannot hand %1 to the server's user").arg(path);
                return false;
            }
        }
    }
#endif
    const QStringList command =
        asServerUser(binary(QStringLiteral("initdb")),
                     {QStringLiteral("-D"), m_dataDir, QStringLiteral("-U"), QLatin1String(kUser),
                      QStringLiteral("--pwfile=") + passwordFile, QStringLiteral("--auth=scram-sha-256"),
                      QStringLiteral("--encoding=UTF8"), QStringLiteral("--locale=C"), QStringLiteral("--no-sync")});
    QProcess initdb;
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    initdb.start(command.first(), command.mid(1));
    if (!initdb.waitForFinished(120000) || initdb.exitStatus() != QProcess::NormalExit || initdb.exitCode() != 0) {
        *error = QStringLiteral("initdb failed (%1): %2")
                     .arg(command.join(QLatin1Char(' ')), QString::fromLocal8Bit(initdb.readAll()));
        return false;
    }
    m_initialized = true;
    return true;
}

bool PostgresProcess::start(QString *error)
{
    if (!m_initialized && !initialize(error))
        return false;
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (m_port == 0 || attempt > 0)
            m_port = HaproxyProcess::freeLowPort();
        if (launch(error))
            return true;
    }
    return false;
}

bool PostgresProcess::launch(QString *error)
{
    const QStringList command = asServerUser(
        binary(QStringLiteral("postgres")),
        {QStringLiteral("-D"), m_dataDir, QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-c"),
         QStringLiteral("listen_addresses=127.0.0.1"), QStringLiteral("-c"), QStringLiteral("unix_socket_directories="),
         QStringLiteral("-c"), QStringLiteral("max_connections=60"), QStringLiteral("-c"),
         QStringLiteral("shared_buffers=32MB")});
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(command.first(), command.mid(1));
    if (!m_process.waitForStarted(10000)) {
        *error = QStringLiteral("postgres did not start: ") + m_process.errorString();
        return false;
    }
    bool ok = false;
    (void)QTest::qWaitFor(
        [&] {
            if (!isRunning())
                return true;
            query(QStringLiteral("postgres"), QStringLiteral("SELECT 1"), &ok);
            return ok;
        },
        30000);
    if (!ok) {
        *error = QStringLiteral("postgres did not take connections on port %1: %2")
                     .arg(m_port)
                     .arg(QString::fromLocal8Bit(m_process.readAll()));
        if (isRunning())
            kill();
        return false;
    }
    return true;
}

bool PostgresProcess::stop()
{
    if (!isRunning())
        return true;
#ifdef Q_OS_UNIX
    ::kill(static_cast<pid_t>(m_process.processId()), SIGINT); // fast shutdown
#else
    m_process.terminate();
#endif
    if (m_process.waitForFinished(30000))
        return true;
    kill();
    return false;
}

void PostgresProcess::kill()
{
    m_process.kill();
    m_process.waitForFinished(10000);
}

QString PostgresProcess::url(const QString &database) const
{
    const auto encoded = [](const char *text) {
        return QString::fromLatin1(QUrl::toPercentEncoding(QLatin1String(text)));
    };
    // (Concatenated: an encoded password holds "%3F", which arg() would take for a placeholder.)
    return QStringLiteral("postgresql://") + encoded(kUser) + QLatin1Char(':') + encoded(kPassword) +
           QStringLiteral("@127.0.0.1:") + QString::number(m_port) + QLatin1Char('/') + database;
}

bool PostgresProcess::createDatabase(const QString &name, QString *error)
{
    bool ok = false;
    query(QStringLiteral("postgres"), QStringLiteral("CREATE DATABASE \"%1\"").arg(name), &ok);
    if (!ok)
        *error = QStringLiteral("cannot create database %1").arg(name);
    return ok;
}

QString PostgresProcess::query(const QString &database, const QString &sql, bool *ok)
{
    const QString name = QStringLiteral("test-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QString value;
    bool done = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(m_port);
        db.setUserName(QLatin1String(kUser));
        db.setPassword(QLatin1String(kPassword));
        db.setDatabaseName(database);
        db.setConnectOptions(QStringLiteral("connect_timeout=2"));
        if (db.open()) {
            QSqlQuery q(db);
            done = q.exec(sql);
            if (!done)
                qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            else if (q.next())
                value = q.value(0).toString();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    if (ok)
        *ok = done;
    return value;
}
