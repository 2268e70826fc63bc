#pragma once

#include <QProcess>
#include <QStringList>
#include <QUrl>

// A real presently-server process, ended by its PID (also when a test fails).
class ServerProcess {
public:
    ServerProcess() = default;
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Unix: the server runs with at most this many open files (soft and hard limit).
    void setOpenFileLimit(int files) { m_openFileLimit = files; }
    // The flags of one gateway of a fleet: presence on the Redis at `redisUrl`, accounts and
    // messages in the SQLite file shared by the fleet.
    static QStringList fleetArgs(const QString &redisUrl, const QString &sqlitePath, int presenceTtlMs,
                                 int heartbeatIntervalMs, const QString &serverId);
    // Starts with `args` (plus --listen 127.0.0.1:0 unless given) and waits for "listening on".
    bool start(const QStringList &args, QString *error);
    QUrl url() const { return m_url; }
    quint16 port() const { return static_cast<quint16>(m_url.port()); }
    qint64 pid() const { return m_process.processId(); }
    // The --admin-listen port (health and metrics), 0 without.
    quint16 adminPort() const { return m_adminPort; }

    void terminate(); // SIGTERM
    void kill();      // SIGKILL
    bool waitForExit(int timeoutMs);
    int exitCode() const { return m_process.exitCode(); }
    QByteArray output();

private:
    QProcess m_process;
    QUrl m_url;
    quint16 m_adminPort = 0;
    QByteArray m_output;
    QByteArray m_errors;
    int m_openFileLimit = 0;
};
