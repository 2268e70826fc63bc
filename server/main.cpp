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
    // Where Qt's own dispatcher is used: its GLib one does per-socket work on every loop pass;
    // the plain Unix one costs a third less CPU per heartbeat here. QT_NO_GLIB=0 restores it.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
#ifdef PRESENTLY_HAVE_EPOLL
    // A loop whose cost follows the ready sockets, not all of them (docs/benchmarks.md).
    // PRESENTLY_EVENT_LOOP=qt keeps Qt's own.
    if (qEnvironmentVariable("PRESENTLY_EVENT_LOOP") != QLatin1String("qt"))
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
    QObject::connect(&signals, &presently::ShutdownSignals::shutdownRequested, &server,
                     &presently::Server::shutdown);
    QObject::connect(&server, &presently::Server::stopped, &app, &QCoreApplication::quit);
    return app.exec();
}
