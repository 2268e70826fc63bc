#pragma once

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QString>

// A real haproxy in master-worker mode in the foreground, ended by its PID. Its configuration is
// written to a file first; the stats socket beside it says what haproxy thinks of its servers.
class HaproxyProcess {
public:
    HaproxyProcess() = default;
    ~HaproxyProcess();
    HaproxyProcess(const HaproxyProcess &) = delete;
    HaproxyProcess &operator=(const HaproxyProcess &) = delete;

    // packaging/haproxy/presently.cfg (at `packagedPath`) as shipped but for what a test on one
    // machine needs: plain ws:// on 127.0.0.1:`listenPort`, a stats socket at `statsSocket`,
    // checks every 200 ms, room for this machine's open-file limit, and `gateways` (loopback
    // ports) as its servers gw1, gw2, ... Empty when the file cannot be read.
    static QByteArray packagedConfig(const QString &packagedPath, quint16 listenPort, const QList<quint16> &gateways,
                                     const QString &statsSocket);
    // A port below 32768 (outside the kernel's ephemeral range) that nothing listens on now.
    static quint16 freeLowPort();
    // Writes `config` to `configPath` and runs it; ready when `listenPort` accepts connections.
    bool start(const QString &configPath, const QByteArray &config, quint16 listenPort, QString *error);
    // SIGUSR2 to the master: a new worker reads the file again; the old one keeps the connections
    // it holds (until they close, or hard-stop-after).
    void reload();
    // A command on the stats socket (`stats socket PATH level admin` in the configuration).
    static QByteArray statsCommand(const QString &socketPath, const QByteArray &command);
    // The operational state of backend/server from "show servers state": 2 running, 0 stopped.
    static int serverState(const QString &socketPath, const QByteArray &backend, const QByteArray &server);
    qint64 pid() const { return m_process.processId(); }
    QByteArray output() { return m_process.readAll(); }

private:
    QProcess m_process;
};
