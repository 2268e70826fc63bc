// LD_PRELOAD shim for the bench: makes fsync and fdatasync take longer (a slow or shared volume,
// made deterministic) and counts them. PRESENTLY_FSYNC_DELAY_FILE names a file holding the delay
// in ms, read again at most every 100 ms (so a run can set up on a fast disk and measure on a
// slow one); with PRESENTLY_FSYNC_COUNT_DIR set, the file DIR/<pid> holds this process's count.
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dlfcn.h>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {

using SyncCall = int (*)(int);

struct Shim {
    std::string delayFile;
    std::mutex delayMutex;
    long delayMs = 0;
    std::chrono::steady_clock::time_point delayReadAt;
    int countFd = -1;
    std::atomic<long> count{0};
    SyncCall fsync = nullptr;
    SyncCall fdatasync = nullptr;

    Shim()
    {
        if (const char *file = std::getenv("PRESENTLY_FSYNC_DELAY_FILE"))
            delayFile = file;
        if (const char *dir = std::getenv("PRESENTLY_FSYNC_COUNT_DIR")) {
            const std::string path = std::string(dir) + "/" + std::to_string(getpid());
            countFd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        fsync = reinterpret_cast<SyncCall>(dlsym(RTLD_NEXT, "fsync"));
        fdatasync = reinterpret_cast<SyncCall>(dlsym(RTLD_NEXT, "fdatasync"));
    }

    long currentDelayMs()
    {
        const std::lock_guard<std::mutex> lock(delayMutex);
        const auto now = std::chrono::steady_clock::now();
        if (!delayFile.empty() && now - delayReadAt > std::chrono::milliseconds(100)) {
            delayReadAt = now;
            std::ifstream in(delayFile);
            long ms = 0;
            if (in >> ms)
                delayMs = ms;
        }
        return delayMs;
    }

    void synced()
    {
        if (const long delay = currentDelayMs(); delay > 0) {
            timespec t{delay / 1000, (delay % 1000) * 1000000L};
            while (nanosleep(&t, &t) != 0) {
            }
        }
        const long n = ++count;
        if (countFd >= 0) {
            char text[32];
            const int length = std::snprintf(text, sizeof text, "%20ld\n", n);
            if (pwrite(countFd, text, static_cast<size_t>(length), 0) < 0) {
                // the count is best effort
            }
        }
    }
};

Shim &shim()
{
    static Shim instance; // thread-safe initialisation
    return instance;
}

} // namespace

extern "C" int fsync(int fd)
{
    const int result = shim().fsync(fd);
    shim().synced();
    return result;
}

extern "C" int fdatasync(int fd)
{
    const int result = shim().fdatasync(fd);
    shim().synced();
    return result;
}
