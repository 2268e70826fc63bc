#pragma once

namespace presently {

// How many files (sockets included) this process may hold open. Each connection needs one, so
// the gateway sizes its connection limit from this. One file per platform:
// OpenFileLimit_unix.cpp, OpenFileLimit_win.cpp.
class OpenFileLimit {
public:
    // Raises the soft limit to the hard one (the default soft limit, often 1,024, is far below
    // what a gateway holds) and returns the limit now in force, or -1 when there is none to mind.
    static long raiseToHardLimit();
};

} // namespace presently
