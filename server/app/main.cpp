#include "accounts/PasswordHasher.h"
#include "app/AdminCommand.h"
#include "app/OpenFileLimit.h"
#ifdef PRESENTLY_HAVE_EPOLL
#include "net/EpollEventDispatcher.h"
#endif
#include "app/ProcessSignals.h"
#include "app/Server.h"
#include "app/ServerConfig.h"

#include <QCoreApplication>
#include <algorithm>
#include <climits>
#include <cstdio>

int main(int argc, char *argv[])
{
#ifdef PRESENTLY_HAVE_EPOLL
    // A loop whose cost follows the ready sockets, not all of them: Qt's own walks every socket
    // on each pass (docs/benchmarks.md). PRESENTLY_EVENT_LOOP=qt keeps Qt's.
    if (qEnvironmentVariable("PRESENTLY_EVENT_LOOP") != QLatin1String("qt"))
        QCoreApplication::setEventDispatcher(new presently::EpollEventDispatcher);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("presently-server"));
    QCoreApplication::setOrganizationName(QStringLiteral("Presently"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PRESENTLY_VERSION));

    // `presently-server user add NAME` and the like: run against the database, then exit.
    if (const std::optional<int> status = presently::AdminCommand::run(QCoreApplication::arguments()))
        return *status;

    int exitCode = 0;
    std::optional<presently::ServerConfig> config =
        presently::ServerConfig::fromArguments(QCoreApplication::arguments(), &exitCode);
    if (!config)
        return exitCode;
    // Every connection is an open file. Sessions stop at the limit less 64 (more are closed with
    // code 4003); accepting pauses at the limit less 32, so that handshakes and refusals have
    // room and SQLite and Redis can always open what they need.
    const long files = presently::OpenFileLimit::raiseToHardLimit();
    if (files > 0) {
        const auto capped = [files](long reserve) {
            return static_cast<int>(std::clamp<long>(files - reserve, 16, INT_MAX));
        };
        config->maxConnections = capped(64);
        config->maxSockets = capped(32);
    }
    if (!presently::PasswordHasher::initialize()) {
        std::fputs("cannot initialise libsodium\n", stderr);
        return 1;
    }

#ifdef PRESENTLY_HAVE_EPOLL
    if (auto *epoll = presently::EpollEventDispatcher::current())
        epoll->setBatchWindow(config->batchWindowUs);
#endif

    presently::Server server(*config);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    // The admin address first: "listening on" is the line scripts wait for.
    if (!server.adminAddress().isEmpty())
        std::printf("admin on %s\n", qPrintable(server.adminAddress()));
    std::printf("listening on %s\n", qPrintable(server.listenAddress()));
    std::fflush(stdout);

    presently::ProcessSignals signals;
    QObject::connect(&signals, &presently::ProcessSignals::shutdownRequested, &server, &presently::Server::shutdown);
    QObject::connect(&signals, &presently::ProcessSignals::reloadRequested, &server, [&server] {
        QString reloadError;
        if (!server.reloadCertificate(&reloadError))
            std::fprintf(stderr, "SIGHUP: %s (the certificate in use stays)\n", qPrintable(reloadError));
    });
    QObject::connect(&server, &presently::Server::stopped, &app, &QCoreApplication::quit);
    return app.exec();
}
