// The floor under any gateway on this machine: what the kernel charges a server that does nothing
// but one read and one write per message on N loopback TCP sockets (docs/benchmarks.md, row 2).
//
//   gcc -O2 -o /tmp/io_floor bench/tools/io_floor.c
//   /tmp/io_floor SOCKETS MESSAGES_PER_S SECONDS [MIB_ALLOCATED [LINES_TOUCHED_PER_MESSAGE]]
//
// Forks a server (epoll, level-triggered) and drives it from the parent with heartbeat-sized
// messages (56 bytes), each answered with 33 bytes (an ack's size); nothing is parsed. Prints the server's CPU from /proc. Linux
// only; sockets above 15,000 use a second source address (127.0.0.3) to stay clear of the
// ephemeral port range.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void cpuSeconds(pid_t pid, double *user, double *system)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        perror("stat");
        exit(1);
    }
    fclose(f);
    unsigned long utime = 0, stime = 0;
    sscanf(strrchr(line, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    *user = (double)utime / (double)sysconf(_SC_CLK_TCK);
    *system = (double)stime / (double)sysconf(_SC_CLK_TCK);
}

static void serve(int listener, int sockets, size_t memoryBytes, int touches)
{
    int epoll = epoll_create1(0);
    char *memory = NULL;
    if (memoryBytes) {
        memory = malloc(memoryBytes);
        memset(memory, 1, memoryBytes);
    }
    for (int i = 0; i < sockets; i++) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            perror("accept");
            exit(1);
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
    }
    static const char ack[] = "\x81\x1f{\"type\":\"heartbeat_ack\",\"ts\":1}";
    struct epoll_event events[256];
    char buffer[4096];
    unsigned long x = 88172645463325252UL;
    for (;;) {
        int n = epoll_wait(epoll, events, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (read(fd, buffer, sizeof buffer) <= 0) {
                close(fd);
                continue;
            }
            for (int j = 0; memory && j < touches; j++) { // xorshift: random cache lines
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                memory[(x % (memoryBytes / 64)) * 64]++;
            }
            if (write(fd, ack, sizeof ack - 1) < 0)
                close(fd);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s SOCKETS MESSAGES_PER_S SECONDS [MIB_ALLOCATED [LINES_PER_MESSAGE]]\n", argv[0]);
        return 2;
    }
    const int sockets = atoi(argv[1]);
    const double rate = atof(argv[2]);
    const int seconds = atoi(argv[3]);
    const size_t mib = argc > 4 ? (size_t)atoi(argv[4]) : 0;
    const int touches = argc > 5 ? atoi(argv[5]) : 2;

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 4096) ||
        getsockname(listener, (struct sockaddr *)&address, &length)) {
        perror("listen");
        return 1;
    }
    pid_t server = fork();
    if (server == 0)
        serve(listener, sockets, mib << 20, touches);

    int epoll = epoll_create1(0);
    int *fds = malloc((size_t)sockets * sizeof *fds);
    for (int i = 0; i < sockets; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in source = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002 + i / 15000)};
        bind(fds[i], (struct sockaddr *)&source, sizeof source);
        if (connect(fds[i], (struct sockaddr *)&address, sizeof address)) {
            perror("connect");
            kill(server, SIGKILL);
            return 1;
        }
        int one = 1;
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event e = {.events = EPOLLIN, .data.fd = fds[i]};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fds[i], &e);
    }
    static const char heartbeat[] = "\x81\xba\x01\x02\x03\x04{\"type\":\"heartbeat\",\"state\":\"active\",\"ts\":1234567}";
    sleep(1);
    double user0, system0, user1, system1;
    cpuSeconds(server, &user0, &system0);
    const double start = now();
    double next = start;
    long sent = 0, answered = 0;
    int index = 0;
    char buffer[4096];
    struct epoll_event events[256];
    while (now() - start < seconds) {
        for (double t = now(); next <= t; next += 1 / rate) {
            if (write(fds[index], heartbeat, sizeof heartbeat - 1) > 0)
                sent++;
            index = (index + 1) % sockets;
        }
        int n = epoll_wait(epoll, events, 256, 1);
        for (int i = 0; i < n; i++) {
            if (read(events[i].data.fd, buffer, sizeof buffer) > 0)
                answered++;
        }
    }
    const double elapsed = now() - start;
    cpuSeconds(server, &user1, &system1);
    const double cpu = (user1 - user0) + (system1 - system0);
    printf("sockets %d, %.0f messages/s, %zu MiB, %d lines/message: sent %ld answered %ld; server CPU %.2f %% of a "
           "core (user %.2f, system %.2f) = %.1f us per message\n",
           sockets, rate, mib, mib ? touches : 0, sent, answered, 100 * cpu / elapsed, 100 * (user1 - user0) / elapsed,
           100 * (system1 - system0) / elapsed, 1e6 * cpu / (double)sent);
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    return 0;
}
