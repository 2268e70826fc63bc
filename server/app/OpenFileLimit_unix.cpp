#include "app/OpenFileLimit.h"

#include <sys/resource.h>

namespace presently {

long OpenFileLimit::raiseToHardLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        // macOS refuses RLIM_INFINITY here; its kernel cap is what open() enforces anyway.
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY)
        return -1;
    return static_cast<long>(limit.rlim_cur);
}

} // namespace presently
