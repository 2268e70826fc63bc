// What one sleep and wake-up costs a process on this machine, in CPU charged to it: the price of
// each pass of a gateway's event loop that had to wait (docs/benchmarks.md, "What limits each").
//
//   gcc -O2 -o /tmp/wake_cost bench/tools/wake_cost.c
//   /tmp/wake_cost [SLEEP_US 2000] [SECONDS 10]
//
// Sleeps SLEEP_US at a time for SECONDS in three ways (ppoll on an idle epoll set, as the
// gateway's batch window does; nanosleep; a periodic timerfd read through epoll_wait) and prints
// the wake-ups per second and the process' CPU per wake-up (getrusage). Linux only.
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpuSeconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    const long sleepUs = argc > 1 ? atol(argv[1]) : 2000;
    const double seconds = argc > 2 ? atof(argv[2]) : 10;
    if (sleepUs <= 0 || sleepUs >= 1000000 || seconds <= 0) {
        fprintf(stderr, "usage: %s [SLEEP_US 1..999999] [SECONDS]\n", argv[0]);
        return 2;
    }
    const struct timespec interval = {0, sleepUs * 1000};
    const char *names[] = {"ppoll on an idle epoll set", "nanosleep", "periodic timerfd via epoll_wait"};
    for (int mode = 0; mode < 3; ++mode) {
        const int epoll = epoll_create1(0);
        const int timer = timerfd_create(CLOCK_MONOTONIC, 0);
        if (epoll < 0 || timer < 0) {
            perror("epoll_create1/timerfd_create");
            return 1;
        }
        if (mode == 2) {
            const struct itimerspec period = {interval, interval};
            struct epoll_event e = {.events = EPOLLIN};
            timerfd_settime(timer, 0, &period, NULL);
            epoll_ctl(epoll, EPOLL_CTL_ADD, timer, &e);
        }
        const double start = now(), cpuStart = cpuSeconds();
        long wakes = 0;
        while (now() - start < seconds) {
            if (mode == 0) {
                struct pollfd p = {epoll, POLLIN, 0};
                ppoll(&p, 1, &interval, NULL);
            } else if (mode == 1) {
                nanosleep(&interval, NULL);
            } else {
                struct epoll_event e;
                uint64_t expirations;
                if (epoll_wait(epoll, &e, 1, -1) == 1 && read(timer, &expirations, sizeof expirations) < 0)
                    perror("read");
            }
            ++wakes;
        }
        const double cpu = cpuSeconds() - cpuStart, elapsed = now() - start;
        printf("%-32s %6.0f wake-ups/s, %.3f %% of a core, %.2f us per wake-up\n", names[mode], wakes / elapsed,
               100 * cpu / elapsed, 1e6 * cpu / (double)wakes);
        close(timer);
        close(epoll);
    }
    return 0;
}
