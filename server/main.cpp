#include "PasswordHasher.h"
#include "Server.h"
#include "ServerConfig.h"
#include "ShutdownSignals.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char *argv[])
{
    // Qt's GLib dispatcher does per-socket work on every loop pass; its plain Unix dispatcher
    // costs a third less CPU per heartbeat here (docs/benchmarks.md). An operator can still
    // choose with QT_NO_GLIB=0.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
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
