#include "platform/AppIdleSource.h"

#include <QCoreApplication>
#include <QEvent>

namespace presently {

AppIdleSource::AppIdleSource(QObject *parent)
    : QObject(parent)
{
    m_sinceInput.start();
    if (QCoreApplication::instance())
        QCoreApplication::instance()->installEventFilter(this);
}

std::optional<qint64> AppIdleSource::idleMs()
{
    return m_sinceInput.elapsed();
}

bool AppIdleSource::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
        m_sinceInput.restart();
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

std::unique_ptr<IdleSource> IdleSource::create()
{
    if (std::unique_ptr<IdleSource> platform = createPlatformIdleSource())
        return platform;
    return std::make_unique<AppIdleSource>();
}

} // namespace presently
