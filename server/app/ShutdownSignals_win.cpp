#include "app/ShutdownSignals.h"

#include <QCoreApplication>
#include <QPointer>
#include <windows.h>

namespace presently {

namespace {
QPointer<ShutdownSignals> g_instance;

BOOL WINAPI onConsoleEvent(DWORD)
{
    if (g_instance) {
        QMetaObject::invokeMethod(g_instance.data(), &ShutdownSignals::shutdownRequested, Qt::QueuedConnection);
    }
    return TRUE;
}
} // namespace

ShutdownSignals::ShutdownSignals(QObject *parent)
    : QObject(parent)
{
    install();
}

ShutdownSignals::~ShutdownSignals() = default;

void ShutdownSignals::install()
{
    g_instance = this;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

} // namespace presently
