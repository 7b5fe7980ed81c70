/* linux-bench: workloads for timing NyanOS's Linux personality against
 * Linux. It prints nothing and times nothing: whoever runs it measures
 * (wall clock on Linux, guest instructions under QEMU's -icount, the
 * kernel's own counters). Exit status 0 when every step worked; on a
 * failure one line on stderr and status 1; a usage error status 2.
 *
 *   linux-bench fork-exit-wait N          N times: fork, the child _exits at
 *                                         once, the parent waits for it
 *   linux-bench fork-touch N MIB          MIB MiB of private memory written
 *                                         once, then N times: fork, the child
 *                                         reads a byte of every page (shared
 *                                         copy-on-write, no copies) and exits
 *   linux-bench cow-break MIB             MIB MiB written, one fork, the child
 *                                         writes every page (one copy each)
 *   linux-bench pipe-pingpong N           N one-byte round trips between two
 *                                         processes over two pipes
 *   linux-bench fork-exec-busybox-true N  N times: fork, execve /bin/busybox
 *                                         true, wait (status 0 expected)
 *   linux-bench mmap-touch-munmap MIB N   N times: mmap MIB MiB anonymous,
 *                                         write every page, munmap
 *   linux-bench null-syscall N            N getppid calls (the cheapest
 *                                         system call on both kernels)
 *   linux-bench sched-yield N             two processes each calling
 *                                         sched_yield N times (on one CPU
 *                                         each call switches to the other) */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul

extern char** environ;

static int die(const char* what) {
    fprintf(stderr, "linux-bench: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Waits for pid; 0 if it exited with status 0. */
static int reap(pid_t pid, const char* what) {
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return die("waitpid");
    if (st != 0) {
        fprintf(stderr, "linux-bench: %s: child status %#x\n", what, st);
        return 1;
    }
    return 0;
}

static long number(const char* s, long min) {
    char* end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min) return -1;
    return v;
}

static unsigned char* map_written(long mib) {
    size_t len = (size_t)mib << 20;
    unsigned char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    for (size_t off = 0; off < len; off += PAGE) p[off] = (unsigned char)(off >> 12);
    return p;
}

static int fork_exit_wait(long n) {
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0) return die("fork");
        if (pid == 0) _exit(0);
        if (reap(pid, "fork-exit-wait")) return 1;
    }
    return 0;
}

static int fork_touch(long n, long mib) {
    unsigned char* p = map_written(mib);
    if (!p) return die("mmap");
    size_t len = (size_t)mib << 20;
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0) return die("fork");
        if (pid == 0) {
            unsigned sum = 0;
            for (size_t off = 0; off < len; off += PAGE) sum += p[off];
            _exit(sum == (unsigned)-1 ? 3 : 0); /* keeps the reads */
        }
        if (reap(pid, "fork-touch")) return 1;
    }
    return 0;
}

static int cow_break(long mib) {
    unsigned char* p = map_written(mib);
    if (!p) return die("mmap");
    size_t len = (size_t)mib << 20;
    pid_t pid = fork();
    if (pid < 0) return die("fork");
    if (pid == 0) {
        for (size_t off = 0; off < len; off += PAGE) p[off] ^= 0xff;
        for (size_t off = 0; off < len; off += PAGE)
            if (p[off] != (unsigned char)~(off >> 12)) _exit(3);
        _exit(0);
    }
    if (reap(pid, "cow-break")) return 1;
    /* The parent's pages kept their bytes. */
    for (size_t off = 0; off < len; off += PAGE)
        if (p[off] != (unsigned char)(off >> 12)) {
            fprintf(stderr, "linux-bench: cow-break: the child's write reached the parent\n");
            return 1;
        }
    return 0;
}

static int pipe_pingpong(long n) {
    int ping[2], pong[2];
    if (pipe(ping) || pipe(pong)) return die("pipe");
    pid_t pid = fork();
    if (pid < 0) return die("fork");
    if (pid == 0) {
        char c;
        for (long i = 0; i < n; ++i) {
            if (read(ping[0], &c, 1) != 1) _exit(3);
            if (write(pong[1], &c, 1) != 1) _exit(4);
        }
        _exit(0);
    }
    for (long i = 0; i < n; ++i) {
        char c = (char)i, back;
        if (write(ping[1], &c, 1) != 1) return die("write");
        if (read(pong[0], &back, 1) != 1 || back != c) return die("read");
    }
    return reap(pid, "pipe-pingpong");
}

static int fork_exec_busybox_true(long n) {
    char* argv[] = {(char*)"true", NULL};
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0) return die("fork");
        if (pid == 0) {
            execve("/bin/busybox", argv, environ);
            _exit(127);
        }
        if (reap(pid, "fork-exec-busybox-true (127: no /bin/busybox)")) return 1;
    }
    return 0;
}

static int mmap_touch_munmap(long mib, long n) {
    size_t len = (size_t)mib << 20;
    for (long i = 0; i < n; ++i) {
        unsigned char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return die("mmap");
        for (size_t off = 0; off < len; off += PAGE) p[off] = 1;
        if (munmap(p, len)) return die("munmap");
    }
    return 0;
}

static int null_syscall(long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i) sum += getppid();
    return sum < 0; /* keeps the calls */
}

static int sched_yield_pair(long n) {
    pid_t pid = fork();
    if (pid < 0) return die("fork");
    if (pid == 0) {
        for (long i = 0; i < n; ++i)
            if (sched_yield()) _exit(3);
        _exit(0);
    }
    for (long i = 0; i < n; ++i)
        if (sched_yield()) return die("sched_yield");
    return reap(pid, "sched-yield");
}

static int usage(void) {
    fprintf(stderr,
            "usage: linux-bench fork-exit-wait N | fork-touch N MIB | cow-break MIB |\n"
            "       pipe-pingpong N | fork-exec-busybox-true N | mmap-touch-munmap MIB N |\n"
            "       null-syscall N | sched-yield N\n");
    return 2;
}

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    const char* mode = argv[1];
    long a = number(argv[2], 1), b = argc > 3 ? number(argv[3], 1) : -1;
    if (a < 0 || (argc > 3 && b < 0) || argc > 4) return usage();
    if (!strcmp(mode, "fork-exit-wait") && argc == 3) return fork_exit_wait(a);
    if (!strcmp(mode, "fork-touch") && argc == 4) return fork_touch(a, b);
    if (!strcmp(mode, "cow-break") && argc == 3) return cow_break(a);
    if (!strcmp(mode, "pipe-pingpong") && argc == 3) return pipe_pingpong(a);
    if (!strcmp(mode, "fork-exec-busybox-true") && argc == 3) return fork_exec_busybox_true(a);
    if (!strcmp(mode, "mmap-touch-munmap") && argc == 4) return mmap_touch_munmap(a, b);
    if (!strcmp(mode, "null-syscall") && argc == 3) return null_syscall(a);
    if (!strcmp(mode, "sched-yield") && argc == 3) return sched_yield_pair(a);
    return usage();
}
