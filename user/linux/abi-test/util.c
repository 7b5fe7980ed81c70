/* Helpers shared by the cases: failure reports, names for errnos and
 * signals, fork/wait/exec wrappers, time. */
#include "suite.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

extern char** environ;

/* Where fail() and skip() write their reasons: the runner's pipe in a case
 * process, stderr otherwise (main.c sets it). */
int g_why_fd = 2;

static void report(const char* fmt, va_list ap) {
    char line[512];
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    /* Best effort: the runner's pipe is non-blocking. */
    ssize_t w = write(g_why_fd, line, (size_t)n);
    (void)w;
}

int fail(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    return CASE_FAIL;
}

int skip(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    return CASE_SKIP;
}

const char* errno_name(int e) {
    static const struct {
        int e;
        const char* name;
    } names[] = {
        {0, "0"}, {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"},
        {EIO, "EIO"}, {ENXIO, "ENXIO"}, {E2BIG, "E2BIG"}, {ENOEXEC, "ENOEXEC"},
        {EBADF, "EBADF"}, {ECHILD, "ECHILD"}, {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"},
        {EACCES, "EACCES"}, {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"},
        {EXDEV, "EXDEV"}, {ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
        {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"},
        {ETXTBSY, "ETXTBSY"}, {EFBIG, "EFBIG"}, {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},
        {EROFS, "EROFS"}, {EMLINK, "EMLINK"}, {EPIPE, "EPIPE"}, {EDOM, "EDOM"},
        {ERANGE, "ERANGE"}, {EDEADLK, "EDEADLK"}, {ENAMETOOLONG, "ENAMETOOLONG"},
        {ENOSYS, "ENOSYS"}, {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"},
        {EOVERFLOW, "EOVERFLOW"}, {ETIMEDOUT, "ETIMEDOUT"}, {EOPNOTSUPP, "EOPNOTSUPP"},
        {ERESTART, "ERESTART"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (names[i].e == e) return names[i].name;
    static char buf[4][24];
    static int next;
    char* b = buf[next++ & 3];
    snprintf(b, sizeof buf[0], "errno %d", e);
    return b;
}

const char* signal_name(int sig) {
    static const char* names[] = {
        "0",       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT",
        "SIGBUS",  "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",
        "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO",  "SIGPWR",    "SIGSYS",
    };
    if (sig >= 0 && sig < (int)(sizeof names / sizeof names[0])) return names[sig];
    static char buf[4][24];
    static int next;
    char* b = buf[next++ & 3];
    snprintf(b, sizeof buf[0], "signal %d", sig);
    return b;
}

const char* status_text(int status) {
    static char buf[4][48];
    static int next;
    char* b = buf[next++ & 3];
    if (status == -1)
        snprintf(b, sizeof buf[0], "could not be waited for (%s)", errno_name(errno));
    else if (WIFEXITED(status))
        snprintf(b, sizeof buf[0], "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(b, sizeof buf[0], "killed by %s%s", signal_name(WTERMSIG(status)),
                 WCOREDUMP(status) ? " (core)" : "");
    else if (WIFSTOPPED(status))
        snprintf(b, sizeof buf[0], "stopped by %s", signal_name(WSTOPSIG(status)));
    else
        snprintf(b, sizeof buf[0], "status 0x%x", status);
    return b;
}

pid_t fork_run(int (*fn)(void*), void* arg) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(fn(arg));
    return pid;
}

int wait_status(pid_t pid) {
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, 0);
        if (r == pid) return status;
        if (r < 0 && errno == EINTR) continue;
        return -1;
    }
}

int run_in_child(int (*fn)(void*), void* arg) {
    pid_t pid = fork_run(fn, arg);
    if (pid < 0) return -1;
    return wait_status(pid);
}

void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long read_full(int fd, void* buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, (char*)buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        done += (size_t)r;
    }
    return (long)done;
}

long write_full(int fd, const void* buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char*)buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        done += (size_t)r;
    }
    return (long)done;
}

int run_helper(const char* mode, const char* arg1, const char* arg2) {
    char* argv[] = {(char*)g_self, (char*)"--child", (char*)mode, (char*)arg1, (char*)arg2, NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execve(g_self, argv, environ);
        _exit(127);
    }
    return wait_status(pid);
}

int have_sh(void) { return access("/bin/sh", X_OK) == 0; }

/* Fault probes: one access under a SIGSEGV/SIGBUS handler that jumps back.
 * Thread-local, so threads can probe at the same time. */
static __thread sigjmp_buf* t_probe_jump;
static __thread struct fault_info t_probe_fault;

static void probe_handler(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    t_probe_fault.sig = sig;
    t_probe_fault.code = si->si_code;
    t_probe_fault.addr = (uintptr_t)si->si_addr;
    siglongjmp(*t_probe_jump, 1);
}

int try_access(volatile unsigned char* p, int write, unsigned char value, unsigned char* out,
               struct fault_info* f) {
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = probe_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    sigjmp_buf jump;
    t_probe_jump = &jump;
    int result = 0;
    if (sigsetjmp(jump, 1) == 0) {
        if (write)
            *p = value;
        else if (out)
            *out = *p;
        else
            (void)*p;
    } else {
        result = t_probe_fault.sig;
        if (f) *f = t_probe_fault;
    }
    t_probe_jump = NULL;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    return result;
}

int expect_fault(volatile unsigned char* p, int write, int sig, int code, const char* what) {
    struct fault_info f;
    unsigned char v;
    int r = try_access(p, write, 0x77, &v, &f);
    if (!r) return fail("%s: %s of %p did not fault", what, write ? "write" : "read", (void*)p);
    if (f.sig != sig || f.code != code || f.addr != (uintptr_t)p)
        return fail("%s: %s of %p: %s si_code %d si_addr %#lx, expected %s si_code %d si_addr %p",
                    what, write ? "write" : "read", (void*)p, signal_name(f.sig), f.code,
                    (unsigned long)f.addr, signal_name(sig), code, (void*)p);
    return 0;
}

int expect_no_fault(volatile unsigned char* p, int write, unsigned char value, const char* what) {
    struct fault_info f;
    unsigned char v;
    if (try_access(p, write, value, &v, &f))
        return fail("%s: %s of %p faulted: %s si_code %d", what, write ? "write" : "read",
                    (void*)p, signal_name(f.sig), f.code);
    return 0;
}
