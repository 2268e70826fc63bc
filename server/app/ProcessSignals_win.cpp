#include "app/ProcessSignals.h"

#include <QCoreApplication>
#include <QPointer>
#include <windows.h>

namespace presently {

namespace {
QPointer<ProcessSignals> g_instance;

BOOL WINAPI onConsoleEvent(DWORD)
{
    if (g_instance) {
        QMetaObject::invokeMethod(g_instance.data(), &ProcessSignals::shutdownRequested, Qt::QueuedConnection);
    }
    return TRUE;
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
    g_instance = this;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

} // namespace presently
