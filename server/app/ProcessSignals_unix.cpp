#include "app/ProcessSignals.h"

#include <QSocketNotifier>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace presently {

namespace {
int g_pipe[2] = {-1, -1};

constexpr char kShutdown = 1;
constexpr char kReload = 2;

void onSignal(int signal)
{
    const char byte = signal == SIGHUP ? kReload : kShutdown;
    // Only async-signal-safe calls here; the event loop reads the other end.
    [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &byte, 1);
}
} // namespace

ProcessSignals::ProcessSignals(QObject *parent)
    : QObject(parent)
{
    install();
}

ProcessSignals::~ProcessSignals() = default;

void ProcessSignals::install()
{
    if (g_pipe[0] < 0 && ::socketpair(AF_UNIX, SOCK_STREAM, 0, g_pipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, this);
    connect(notifier, &QSocketNotifier::activated, this, [this] {
        char byte = 0;
        if (::read(g_pipe[0], &byte, 1) != 1)
            return;
        if (byte == kReload)
            Q_EMIT reloadRequested();
        else
            Q_EMIT shutdownRequested();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGHUP, &action, nullptr);
}

} // namespace presently
