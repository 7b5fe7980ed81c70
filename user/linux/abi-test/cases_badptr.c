/* Bad user pointers: every class of address a process may not hand the
 * kernel must give EFAULT (not a crash, not a partial effect the process
 * can see). All through raw system calls: libc wrappers may touch the
 * memory themselves. Where Linux does something notable around the error,
 * the case checks that too (wait4 reaps the child before it fails to store
 * the status; pipe closes the descriptors it made). */
#include "suite.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

static const struct {
    const char* what;
    unsigned long addr;
} g_bad[] = {
    {"kernel direct map", ADDR_HHDM},
    {"kernel image", ADDR_KERNEL_IMAGE},
    {"first non-canonical", ADDR_FIRST_NONCANONICAL},
    {"non-canonical", ADDR_NONCANONICAL},
    {"unmapped low page", ADDR_UNMAPPED_LOW},
    {"wrapping past 2^64", 0xfffffffffffffff0ul},
    {"crossing the top of user space", 0x00007ffffffffff0ul},
};
#define BAD_COUNT (sizeof g_bad / sizeof g_bad[0])

/* The call (a raw syscall() returning -1/errno) must fail with EFAULT. */
#define EXPECT_EFAULT(i, call)                                                         \
    do {                                                                               \
        errno = 0;                                                                     \
        long r_ = (long)(call);                                                        \
        int e_ = errno;                                                                \
        if (r_ != -1 || e_ != EFAULT)                                                  \
            return fail("%s with a %s pointer (%#lx) = %ld (%s), expected EFAULT", #call, \
                        g_bad[i].what, g_bad[i].addr, r_, r_ == -1 ? errno_name(e_) : "success"); \
    } while (0)

#define B(i) ((void*)g_bad[i].addr)

static int efault_read_write(void) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "data", 4), 4);
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_read, p[0], B(i), 32));
        EXPECT_EFAULT(i, syscall(SYS_write, p[1], B(i), 32));
    }
    /* A failed read consumed nothing. */
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "data", 4) == 0);
    /* A valid buffer with a length that runs past the end of the address
     * space: EFAULT before anything else happens. */
    CHECK_EQ(write(p[1], "data", 4), 4);
    CHECK_ERR(syscall(SYS_read, p[0], buf, (size_t)-1 - (uintptr_t)buf + 16), EFAULT);
    CHECK_ERR(syscall(SYS_write, p[1], buf, (size_t)-1), EFAULT);
    CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    /* Vectored: a bad iovec array, or a bad base in a good one. */
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        CHECK_EQ(write(p[1], "data", 4), 4);
        EXPECT_EFAULT(i, syscall(SYS_readv, p[0], B(i), 1));
        EXPECT_EFAULT(i, syscall(SYS_writev, p[1], B(i), 1));
        struct iovec iov = {B(i), 4};
        EXPECT_EFAULT(i, syscall(SYS_readv, p[0], &iov, 1));
        EXPECT_EFAULT(i, syscall(SYS_writev, p[1], &iov, 1));
        CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    }
    return CASE_PASS;
}

static int lowest_free_fd(void) {
    int fd = 0;
    while (fcntl(fd, F_GETFD) >= 0) ++fd;
    return fd;
}

static int efault_pipe(void) {
    int before = lowest_free_fd();
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_pipe, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_pipe2, B(i), O_CLOEXEC));
    }
    /* The descriptors made for the failed calls were closed again. */
    CHECK_EQ(lowest_free_fd(), before);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(p[0], before);
    return CASE_PASS;
}

static int efault_wait4(void) {
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        fflush(NULL);
        pid_t pid = fork();
        CHECK_OK(pid);
        if (pid == 0) _exit(3);
        EXPECT_EFAULT(i, syscall(SYS_wait4, pid, B(i), 0, NULL));
        /* Linux reaped the child before failing to store its status. */
        CHECK_ERR(waitpid(pid, NULL, 0), ECHILD);
        pid = fork();
        CHECK_OK(pid);
        if (pid == 0) _exit(3);
        int st;
        EXPECT_EFAULT(i, syscall(SYS_wait4, pid, &st, 0, B(i)));
        CHECK_ERR(waitpid(pid, NULL, 0), ECHILD);
        pid = fork();
        CHECK_OK(pid);
        if (pid == 0) _exit(3);
        EXPECT_EFAULT(i, syscall(SYS_waitid, P_PID, pid, B(i), WEXITED, NULL));
        CHECK_ERR(waitpid(pid, NULL, 0), ECHILD);
    }
    return CASE_PASS;
}

static void nothing(int sig) { (void)sig; }

static int efault_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nothing;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_rt_sigaction, SIGUSR2, B(i), NULL, 8));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigaction, SIGUSR1, NULL, B(i), 8));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigprocmask, SIG_BLOCK, B(i), NULL, 8));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, B(i), 8));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigpending, B(i), 8));
        EXPECT_EFAULT(i, syscall(SYS_sigaltstack, B(i), NULL));
        EXPECT_EFAULT(i, syscall(SYS_sigaltstack, NULL, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigsuspend, B(i), 8));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, B(i)));
    }
    /* The failed calls changed nothing: SIGUSR2 is still SIG_DFL, nothing
     * is blocked. */
    struct sigaction now;
    CHECK_OK(sigaction(SIGUSR2, NULL, &now));
    CHECK(now.sa_handler == SIG_DFL);
    sigset_t mask;
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &mask));
    CHECK(!sigismember(&mask, SIGUSR1) && !sigismember(&mask, SIGTERM));
    return CASE_PASS;
}

/* The interval timers and sigtimedwait. A bad old-value pointer in
 * setitimer fails after the new value is in place; a bad siginfo pointer in
 * rt_sigtimedwait fails after the signal was taken (as Linux). */
static int efault_timers(void) {
    struct itimerval it = {{0, 0}, {10, 0}}, now;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
    struct timespec zero = {0, 0};
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_getitimer, ITIMER_REAL, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_setitimer, ITIMER_REAL, B(i), NULL));
        CHECK_OK(getitimer(ITIMER_REAL, &now));
        CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);
        EXPECT_EFAULT(i, syscall(SYS_setitimer, ITIMER_REAL, &it, B(i)));
        CHECK_OK(getitimer(ITIMER_REAL, &now));
        CHECK(now.it_value.tv_sec >= 9);
        CHECK(alarm(0) >= 9); /* and off again */
        EXPECT_EFAULT(i, syscall(SYS_rt_sigtimedwait, B(i), NULL, &zero, 8));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigtimedwait, &set, NULL, B(i), 8));
        CHECK_OK(raise(SIGUSR1));
        EXPECT_EFAULT(i, syscall(SYS_rt_sigtimedwait, &set, B(i), &zero, 8));
        sigset_t pending;
        CHECK_OK(sigpending(&pending));
        CHECK(!sigismember(&pending, SIGUSR1));
    }
    return CASE_PASS;
}

static int efault_time(void) {
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_clock_gettime, CLOCK_REALTIME, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_clock_getres, CLOCK_MONOTONIC, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_gettimeofday, B(i), NULL));
        EXPECT_EFAULT(i, syscall(SYS_nanosleep, B(i), NULL));
        EXPECT_EFAULT(i, syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, B(i), NULL));
        EXPECT_EFAULT(i, syscall(SYS_times, B(i)));
    }
    return CASE_PASS;
}

static int efault_info(void) {
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_uname, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_sysinfo, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_getrusage, RUSAGE_SELF, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_getrlimit, RLIMIT_STACK, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_setrlimit, RLIMIT_STACK, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_prlimit64, 0, RLIMIT_STACK, B(i), NULL));
        EXPECT_EFAULT(i, syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_getrandom, B(i), 16, 0));
        EXPECT_EFAULT(i, syscall(SYS_getcwd, B(i), 4096));
        EXPECT_EFAULT(i, syscall(SYS_getresuid, B(i), B(i), B(i)));
    }
    return CASE_PASS;
}

static int efault_paths(void) {
    char buf[256];
    struct stat st;
    struct statfs sfs;
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(fd);
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_open, B(i), O_RDONLY));
        EXPECT_EFAULT(i, syscall(SYS_openat, AT_FDCWD, B(i), O_RDONLY));
        EXPECT_EFAULT(i, syscall(SYS_stat, B(i), &st));
        EXPECT_EFAULT(i, syscall(SYS_newfstatat, AT_FDCWD, B(i), &st, 0));
        EXPECT_EFAULT(i, syscall(SYS_stat, "/", B(i)));
        EXPECT_EFAULT(i, syscall(SYS_newfstatat, AT_FDCWD, "/", B(i), 0));
        EXPECT_EFAULT(i, syscall(SYS_fstat, fd, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_access, B(i), F_OK));
        EXPECT_EFAULT(i, syscall(SYS_faccessat, AT_FDCWD, B(i), F_OK));
        EXPECT_EFAULT(i, syscall(SYS_chdir, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_readlink, B(i), buf, sizeof buf));
        EXPECT_EFAULT(i, syscall(SYS_readlink, "/proc/self/exe", B(i), 16));
        EXPECT_EFAULT(i, syscall(SYS_statfs, B(i), &sfs));
        EXPECT_EFAULT(i, syscall(SYS_statfs, "/", B(i)));
        EXPECT_EFAULT(i, syscall(SYS_fstatfs, fd, B(i)));
    }
    return CASE_PASS;
}

static int efault_fd_calls(void) {
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dir);
    int p[2];
    CHECK_OK(pipe(p));
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_getdents64, dir, B(i), 4096));
        CHECK_OK(lseek(dir, 0, SEEK_SET));
        EXPECT_EFAULT(i, syscall(SYS_poll, B(i), 1, 0));
        EXPECT_EFAULT(i, syscall(SYS_ioctl, p[0], FIONREAD, B(i)));
        EXPECT_EFAULT(i, syscall(SYS_futex, B(i), 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0));
    }
    return CASE_PASS;
}

/* The thread calls: futex's word, its timeout and its second word;
 * get_robust_list's two out pointers. (A shared wake names its word by the
 * page behind it, so a bad one is EFAULT; the word of a private wake is
 * only a number, so Linux does not look at it.) */
static int efault_threads(void) {
    static int word = 0;
    long head;
    size_t len;
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        EXPECT_EFAULT(i, syscall(SYS_futex, B(i), 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0));
        EXPECT_EFAULT(i, syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, B(i), NULL, 0));
        EXPECT_EFAULT(i, syscall(SYS_futex, &word, 4 /* FUTEX_CMP_REQUEUE */, 1, 1, B(i), 0));
        EXPECT_EFAULT(i, syscall(SYS_futex, &word, 5 /* FUTEX_WAKE_OP */, 1, 1, B(i), 0));
        EXPECT_EFAULT(i, syscall(SYS_get_robust_list, 0, B(i), &len));
        EXPECT_EFAULT(i, syscall(SYS_get_robust_list, 0, &head, B(i)));
    }
    CHECK_EQ(word, 0);
    return CASE_PASS;
}

CASE_TABLE(badptr) = {
    {"efault-read-write", efault_read_write},
    {"efault-pipe", efault_pipe},
    {"efault-wait", efault_wait4},
    {"efault-signals", efault_signals},
    {"efault-time", efault_time},
    {"efault-timers", efault_timers},
    {"efault-info", efault_info},
    {"efault-paths", efault_paths},
    {"efault-fd-calls", efault_fd_calls},
    {"efault-threads", efault_threads},
    CASE_TABLE_END,
};
