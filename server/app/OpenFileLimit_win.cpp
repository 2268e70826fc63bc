#include "app/OpenFileLimit.h"

namespace presently {

long OpenFileLimit::raiseToHardLimit()
{
    // Windows sockets are kernel handles without a per-process limit of this kind.
    return -1;
}

} // namespace presently
