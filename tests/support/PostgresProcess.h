#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

// A real PostgreSQL server of the test's own: a cluster made by initdb in a temporary folder (as
// an unprivileged user when the test runs as root, since initdb refuses root), the postgres
// binary on a free loopback port, password sign-in (scram-sha-256) for kUser, ended by its PID.
class PostgresProcess {
public:
    PostgresProcess() = default;
    ~PostgresProcess();
    PostgresProcess(const PostgresProcess &) = delete;
    PostgresProcess &operator=(const PostgresProcess &) = delete;

    static constexpr const char *kUser = "presently";
    static constexpr const char *kPassword = "pg s3cret/?@";

    // initdb the first time, then the server; waits until it takes connections.
    bool start(QString *error);
    // Fast shutdown (SIGINT to the postmaster's PID): clients are cut off, the data stays.
    bool stop();
    // SIGKILL, as a crash would.
    void kill();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    qint64 pid() const { return m_process.processId(); }
    quint16 port() const { return m_port; }

    // Makes an empty database `name`; its --db URL (user and password included, percent-encoded).
    bool createDatabase(const QString &name, QString *error);
    QString url(const QString &database) const;
    // A statement run on `database` by the test's own connection: the first column of the first
    // row, as text ("" when there is none); `ok` false when the statement failed.
    QString query(const QString &database, const QString &sql, bool *ok = nullptr);

private:
    bool initialize(QString *error);
    bool launch(QString *error);
    QStringList asServerUser(const QString &program, const QStringList &args) const;
    static QString binary(const QString &name);

    QTemporaryDir m_dir;
    QString m_dataDir;
    QProcess m_process;
    quint16 m_port = 0;
    int m_uid = -1; // the unprivileged user's, when the test runs as root
    int m_gid = -1;
    bool m_initialized = false;
};
