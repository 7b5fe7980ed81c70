/* linux-timeit: how many TSC ticks a command takes, measured the same way
 * on NyanOS and on Linux (it is an ordinary musl-static Linux program).
 *
 *   linux-timeit R PROGRAM [ARG...]
 *
 * Runs PROGRAM (a path: no PATH search) R times, each as fork + execve +
 * waitpid, and prints the median run, from just before fork to just after
 * waitpid returned, as one line: `T` (a decimal number of ticks). Under
 * QEMU's `-icount shift=0` one TSC tick is one guest instruction, on either
 * kernel. A run's fixed costs (the fork, execve, start-up and exit of
 * PROGRAM) are in T: callers that want one operation's cost time two
 * counts and divide the difference (scripts/linux-bench-guest.sh).
 *
 * Exit status 0 when every run exited with status 0; otherwise one line on
 * stderr and status 1; a usage error status 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#define kMaxRuns 15

extern char** environ;

static int compare(const void* a, const void* b) {
    uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
    char* end;
    long runs = argc > 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc < 3 || *end || runs < 1 || runs > kMaxRuns) {
        fprintf(stderr, "usage: linux-timeit RUNS(1-%d) PROGRAM [ARG...]\n", kMaxRuns);
        return 2;
    }
    uint64_t ticks[kMaxRuns];
    for (long i = 0; i < runs; ++i) {
        uint64_t start = __rdtsc();
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "linux-timeit: fork: %s\n", strerror(errno));
            return 1;
        }
        if (pid == 0) {
            execve(argv[2], argv + 2, environ);
            _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "linux-timeit: waitpid: %s\n", strerror(errno));
                return 1;
            }
        }
        ticks[i] = __rdtsc() - start;
        if (status != 0) {
            fprintf(stderr, "linux-timeit: %s: status %#x%s\n", argv[2], status,
                    status == 127 << 8 ? " (127: execve failed)" : "");
            return 1;
        }
    }
    qsort(ticks, (size_t)runs, sizeof ticks[0], compare);
    printf("%llu\n", (unsigned long long)ticks[runs / 2]);
    return 0;
}
