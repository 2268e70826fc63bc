#include "core/ReconnectBackoff.h"

#include <QRandomGenerator>
#include <algorithm>

namespace presently {

ReconnectBackoff::ReconnectBackoff(int baseMs, int capMs)
    : m_baseMs(baseMs)
    , m_capMs(capMs)
{}

int ReconnectBackoff::nextDelayMs()
{
    const qint64 ceiling = std::min<qint64>(m_capMs, static_cast<qint64>(m_baseMs) << std::min(m_attempt, 20));
    ++m_attempt;
    return static_cast<int>(QRandomGenerator::global()->bounded(ceiling + 1));
}

} // namespace presently
