#pragma once

#include "redis/RedisReply.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

struct redisContext;

// A real redis-server on a free loopback port, started and ended by PID, with a blocking client
// for the test's own commands.
class RedisFixture {
public:
    RedisFixture() = default;
    ~RedisFixture();
    RedisFixture(const RedisFixture &) = delete;
    RedisFixture &operator=(const RedisFixture &) = delete;

    bool start(QString *error, const QStringList &extraArgs = {});
    // A Redis that asks for credentials: kPassword for the default user, and the ACL user kUser
    // with kUserPassword (Redis 6+). The fixture's own client signs in as that user.
    bool startSecured(QString *error);
    static constexpr const char *kPassword = "s3cret-default";
    static constexpr const char *kUser = "gateway";
    static constexpr const char *kUserPassword = "s3cret-gateway";
    // The fixture's own client signs in with these (AUTH's arguments) when Redis asks for it.
    void setAuth(const QList<QByteArray> &authArguments) { m_auth = authArguments; }
    void stop();
    // Ends the server and starts a fresh, empty one on the same port.
    bool restart(QString *error);

    quint16 port() const { return m_port; }
    QString url() const;
    qint64 pid() const { return m_process.processId(); }

    presently::RedisReply command(const QList<QByteArray> &args);
    // Sum of `calls` over INFO commandstats (commands run inside scripts count too).
    qint64 totalCommandCalls();

private:
    bool launch(QString *error);
    void disconnect();
    presently::RedisReply run(const QList<QByteArray> &args);

    QProcess m_process;
    QTemporaryDir m_dir;
    QStringList m_extraArgs;
    QList<QByteArray> m_auth;
    quint16 m_port = 0;
    redisContext *m_context = nullptr;
};
