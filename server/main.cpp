#include "PasswordHasher.h"
#ifdef PRESENTLY_HAVE_EPOLL
#include "EpollEventDispatcher.h"
#endif
#include "Server.h"
#include "ServerConfig.h"
#include "ShutdownSignals.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char *argv[])
{
#ifdef PRESENTLY_HAVE_EPOLL
    // Opt-in: a loop whose cost follows the ready sockets, not all of them, ten times cheaper
    // per heartbeat here (docs/benchmarks.md). Not the default yet: one unexplained delivery
    // stall under sanitizers and parallel load is being investigated.
    if (qEnvironmentVariable("PRESENTLY_EVENT_LOOP") == QLatin1String("epoll"))
        QCoreApplication::setEventDispatcher(new presently::EpollEventDispatcher);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("presently-server"));
    QCoreApplication::setOrganizationName(QStringLiteral("Presently"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PRESENTLY_VERSION));

    int exitCode = 0;
    const std::optional<presently::ServerConfig> config =
        presently::ServerConfig::fromArguments(QCoreApplication::arguments(), &exitCode);
    if (!config)
        return exitCode;
    if (!presently::PasswordHasher::initialize()) {
        std::fputs("cannot initialise libsodium\n", stderr);
        return 1;
    }

    presently::Server server(*config);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    std::printf("listening on %s\n", qPrintable(server.listenAddress()));
    std::fflush(stdout);

    presently::ShutdownSignals signals;
    QObject::connect(&signals, &presently::ShutdownSignals::shutdownRequested, &server, &presently::Server::shutdown);
    QObject::connect(&server, &presently::Server::stopped, &app, &QCoreApplication::quit);
    return app.exec();
}
