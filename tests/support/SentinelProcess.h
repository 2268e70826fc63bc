#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>

// One Redis Sentinel (redis-server --sentinel) watching `mymaster` on loopback, ended by its PID.
// Quick to decide: the primary is down after 500 ms without an answer, and two Sentinels agree.
class SentinelProcess {
public:
    SentinelProcess() = default;
    ~SentinelProcess();
    SentinelProcess(const SentinelProcess &) = delete;
    SentinelProcess &operator=(const SentinelProcess &) = delete;

    // Writes its own configuration file in `dir` (Sentinel rewrites it) and waits for PONG.
    bool start(const QString &dir, quint16 primaryPort, QString *error);
    // One inline command; the first line of its reply ("" when it does not answer).
    QByteArray ask(const QByteArray &command) const;
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }

private:
    QProcess m_process;
    quint16 m_port = 0;
};
