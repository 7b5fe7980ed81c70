/* linux-abi-test: an in-guest test suite for the Linux system-call ABI,
 * built with `musl-gcc -static` and run unmodified on Linux (where every
 * case must pass: Linux 6.1's behaviour is the specification) and under
 * NyanOS's Linux personality.
 *
 *   linux-abi-test [--timeout SEC]          run every case
 *   linux-abi-test --fixtures DIR ...       use DIR's fixture files (default:
 *                                           write them to a fresh directory,
 *                                           else use /test/linux)
 *   linux-abi-test --case NAME [--case ...] run the named cases
 *   linux-abi-test --case NAME --no-fork    run one case in this process (for strace, gdb)
 *   linux-abi-test --list                   print the case names
 *   linux-abi-test --write-fixtures DIR INTERP  write the fixture files
 *                                           (the build ships them as /test/linux)
 *   linux-abi-test --child MODE [ARG...]    a helper the cases exec
 *
 * Each case runs in its own child process (fork + waitpid) with its own
 * process group, so a case that crashes or hangs fails alone: the runner
 * kills a case that outlives its timeout. Output is TAP-like, as
 * /bin/testsuite's: `ok N - name`, `not ok N - name: why`,
 * `ok N - name # SKIP why`, and a last line `N passed, N failed`; the exit
 * status is 0 only if nothing failed. */
#ifndef LINUX_ABI_SUITE_H
#define LINUX_ABI_SUITE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096ul

/* Addresses no user pointer may reach (case files iterate over them). */
#define ADDR_HHDM 0xffff800000000000ul          /* start of the kernel half */
#define ADDR_KERNEL_IMAGE 0xffffffff80000000ul  /* the kernel's link address */
#define ADDR_FIRST_NONCANONICAL 0x0000800000000000ul
#define ADDR_NONCANONICAL 0x8000000000000000ul
#define ADDR_UNMAPPED_LOW 0x1000ul
#define ADDR_TOP_PAGE 0xfffffffffffff000ul      /* a range starting here wraps past 2^64 */

/* A case: returns CASE_PASS, CASE_FAIL (after fail()) or CASE_SKIP (after
 * skip()). It runs in a child process of its own, may fork, must reap its
 * children and must not rely on any state another case left. */
typedef int (*case_fn)(void);
#define CASE_PASS 0
#define CASE_FAIL 1
#define CASE_SKIP 77

struct abi_case {
    const char* name;
    case_fn fn;
};

/* Each cases_*.c file ends with a table of its cases. */
#define CASE_TABLE(group) const struct abi_case group##_cases[]
#define CASE_TABLE_END {0, 0}

/* Records why the case failed (the runner prints the first reason on the
 * `not ok` line, the rest as `# ` lines) and returns CASE_FAIL. */
int fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records why the case cannot check anything here; returns CASE_SKIP. */
int skip(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

const char* errno_name(int e);
const char* signal_name(int sig);
/* "exited 3", "killed by SIGSEGV", ... for a wait status. */
const char* status_text(int status);

/* Failure on the spot, with file:line and the expression. */
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) return fail("%s:%d: %s", __FILE__, __LINE__, #cond);             \
    } while (0)
/* a == b, both as long, printing the values. */
#define CHECK_EQ(a, b)                                                                \
    do {                                                                              \
        long check_a_ = (long)(a), check_b_ = (long)(b);                              \
        if (check_a_ != check_b_)                                                     \
            return fail("%s:%d: %s == %ld, expected %s == %ld", __FILE__, __LINE__, #a, \
                        check_a_, #b, check_b_);                                      \
    } while (0)
/* A call that must succeed (not return -1); on failure prints errno. */
#define CHECK_OK(expr)                                                                \
    do {                                                                              \
        long check_r_ = (long)(expr);                                                 \
        if (check_r_ == -1)                                                           \
            return fail("%s:%d: %s failed: %s", __FILE__, __LINE__, #expr,             \
                        errno_name(errno));                                           \
    } while (0)
/* A call that must fail with -1 and errno == e. */
#define CHECK_ERR(expr, e)                                                            \
    do {                                                                              \
        errno = 0;                                                                    \
        long check_r_ = (long)(expr);                                                 \
        int check_e_ = errno;                                                         \
        if (check_r_ != -1 || check_e_ != (e))                                        \
            return fail("%s:%d: %s = %ld (%s), expected -1 (%s)", __FILE__, __LINE__,  \
                        #expr, check_r_, check_r_ == -1 ? errno_name(check_e_) : "no error", \
                        errno_name(e));                                               \
    } while (0)
/* A wait status that must be exit(code). */
#define CHECK_EXITED(status, code)                                                    \
    do {                                                                              \
        int check_s_ = (status);                                                      \
        if (!WIFEXITED(check_s_) || WEXITSTATUS(check_s_) != (code))                  \
            return fail("%s:%d: child %s, expected exit %d", __FILE__, __LINE__,        \
                        status_text(check_s_), (code));                               \
    } while (0)
/* A wait status that must be death by signal sig. */
#define CHECK_KILLED(status, sig)                                                     \
    do {                                                                              \
        int check_s_ = (status);                                                      \
        if (!WIFSIGNALED(check_s_) || WTERMSIG(check_s_) != (sig))                    \
            return fail("%s:%d: child %s, expected death by %s", __FILE__, __LINE__,    \
                        status_text(check_s_), signal_name(sig));                     \
    } while (0)

/* The suite's own executable (absolute path), for re-exec. */
extern const char* g_self;
/* A directory holding the fixture files (fixtures.c), or NULL. */
extern const char* g_fixtures;
/* Path of fixture NAME in a static buffer, or NULL if there are none. */
const char* fixture(const char* name);
/* Whether /bin/sh exists and is executable. */
int have_sh(void);

/* fork() and run fn(arg) in the child, which exits with its result;
 * returns the child's pid (or -1). */
pid_t fork_run(int (*fn)(void*), void* arg);
/* waitpid(pid, &status, 0) retried on EINTR; returns the status or -1. */
int wait_status(pid_t pid);
/* fork + fn in the child + wait: the child's wait status, or -1. */
int run_in_child(int (*fn)(void*), void* arg);
/* Sleeps ms milliseconds (nanosleep, resumed across signals). */
void sleep_ms(long ms);
/* CLOCK_MONOTONIC in nanoseconds. */
long long now_ns(void);
/* Reads/writes exactly n bytes (retrying short transfers and EINTR);
 * returns n, or what was transferred before EOF/an error. */
long read_full(int fd, void* buf, size_t n);
long write_full(int fd, const void* buf, size_t n);
/* fork + execve(g_self, {g_self, "--child", mode, args..., NULL}, environ)
 * + wait: the helper's wait status, or -1. */
int run_helper(const char* mode, const char* arg1, const char* arg2);

/* One access to *p (a write of value, or a read into *out) under a
 * SIGSEGV/SIGBUS handler: returns 0 if it did not fault, else the signal,
 * with si_code and si_addr in *f. */
struct fault_info {
    int sig;
    int code;
    uintptr_t addr;
};
int try_access(volatile unsigned char* p, int write, unsigned char value, unsigned char* out,
               struct fault_info* f);
/* The access must fault with exactly this signal, si_code and si_addr == p;
 * returns 0, or CASE_FAIL after fail(). */
int expect_fault(volatile unsigned char* p, int write, int sig, int code, const char* what);
/* The access (a write stores value) must not fault. */
int expect_no_fault(volatile unsigned char* p, int write, unsigned char value, const char* what);

/* Helpers run with `--child MODE` (child.c). */
int child_main(int argc, char** argv, char** envp);

/* Raw system call returning the kernel's value (-errno on failure), for
 * checks that must not go through a libc wrapper. */
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define RAW(n, ...) raw_syscall_n_(n, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define raw_syscall_n_(n, a, b, c, d, e, f, ...) \
    raw_syscall6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#endif
