#include "session/HashingPool.h"

#include <QThread>
#include <algorithm>

namespace presently {

HashingPool::HashingPool(int threads, int maxWaiting)
    : m_threads(std::max(1, threads))
    , m_maxWaiting(std::max(0, maxWaiting))
{
    m_pool.setMaxThreadCount(m_threads);
}

HashingPool &HashingPool::shared()
{
    static HashingPool pool(std::max(1, QThread::idealThreadCount() / 2), 16);
    return pool;
}

} // namespace presently
