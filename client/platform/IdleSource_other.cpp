// Platforms without a system idle query: the application's own input is used.
#include "core/IdleSource.h"

namespace presently {

std::unique_ptr<IdleSource> createPlatformIdleSource()
{
    return nullptr;
}

} // namespace presently
