#include "sql/SqlThread.h"

namespace presently {

SqlThread::SqlThread(QObject *parent)
    : QObject(parent)
    , m_worker(new QObject)
{
    m_thread.setObjectName(QStringLiteral("sql"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

SqlThread::~SqlThread()
{
    // Jobs already posted run first (events are delivered in order), then the thread ends.
    QMetaObject::invokeMethod(m_worker, [this] { m_thread.quit(); }, Qt::QueuedConnection);
    m_thread.wait();
}

void SqlThread::post(std::function<void()> job)
{
    QMetaObject::invokeMethod(m_worker, std::move(job), Qt::QueuedConnection);
}

void SqlThread::runAndWait(const std::function<void()> &job)
{
    QMetaObject::invokeMethod(m_worker, job, Qt::BlockingQueuedConnection);
}

} // namespace presently
