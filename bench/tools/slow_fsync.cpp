// LD_PRELOAD shim for the bench: makes fsync and fdatasync take PRESENTLY_FSYNC_DELAY_MS longer
// (a slow or shared volume, made deterministic) and counts them: with PRESENTLY_FSYNC_COUNT_DIR
// set, the file DIR/<pid> holds this process's count so far.
#include <atomic>
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
    long delayMs = 0;
    int countFd = -1;
    std::atomic<long> count{0};
    SyncCall fsync = nullptr;
    SyncCall fdatasync = nullptr;

    Shim()
    {
        if (const char *delay = std::getenv("PRESENTLY_FSYNC_DELAY_MS"))
            delayMs = std::atol(delay);
        if (const char *dir = std::getenv("PRESENTLY_FSYNC_COUNT_DIR")) {
            const std::string path = std::string(dir) + "/" + std::to_string(getpid());
            countFd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        fsync = reinterpret_cast<SyncCall>(dlsym(RTLD_NEXT, "fsync"));
        fdatasync = reinterpret_cast<SyncCall>(dlsym(RTLD_NEXT, "fdatasync"));
    }

    void synced()
    {
        if (delayMs > 0) {
            timespec t{delayMs / 1000, (delayMs % 1000) * 1000000L};
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
