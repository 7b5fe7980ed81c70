/* Signals: dispositions and flags, masks and pending sets, sigsuspend,
 * alternate stacks, interrupted and restarted calls, SIGCHLD, the signals
 * the CPU raises, and the stack a handler starts on. signal(7) and
 * sigaction(2) are the reference. */
#include "suite.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

static volatile sig_atomic_t g_count;
static volatile sig_atomic_t g_depth, g_max_depth;
static siginfo_t g_info;
static sigset_t g_mask_in_handler;

static void counting(int sig) {
    (void)sig;
    ++g_count;
}

static void recording(int sig, siginfo_t* si, void* uc) {
    (void)sig;
    (void)uc;
    g_info = *si;
    ++g_count;
}

static int set_handler(int sig, void (*fn)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    return sigaction(sig, &sa, NULL);
}

static int set_action(int sig, void (*fn)(int, siginfo_t*, void*), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    return sigaction(sig, &sa, NULL);
}

static int sig_handler_runs(void) {
    CHECK_OK(set_handler(SIGUSR1, counting, 0));
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(g_count, 1);
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_EQ(g_count, 2);
    struct sigaction old;
    CHECK_OK(sigaction(SIGUSR1, NULL, &old));
    CHECK(old.sa_handler == counting);
    /* sigaction(2) EINVAL: "An invalid signal was specified. This will
     * also be generated if an attempt is made to change the action for
     * SIGKILL or SIGSTOP". */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = counting;
    CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
    CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, &old, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, &old, 8), EINVAL);
    /* The kernel's sigset_t is 8 bytes: any other size is EINVAL. */
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 16), EINVAL);
    /* Querying SIGKILL is allowed. */
    CHECK_OK(syscall(SYS_rt_sigaction, SIGKILL, NULL, &old, 8));
    return CASE_PASS;
}

static int sig_siginfo(void) {
    CHECK_OK(set_action(SIGUSR1, recording, 0));
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_EQ(g_count, 1);
    CHECK_EQ(g_info.si_signo, SIGUSR1);
    CHECK_EQ(g_info.si_code, SI_USER);
    CHECK_EQ(g_info.si_pid, getpid());
    CHECK_EQ(g_info.si_uid, getuid());
    /* From another process: its pid. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
    CHECK_EQ(g_count, 2);
    CHECK_EQ(g_info.si_code, SI_USER);
    CHECK_EQ(g_info.si_pid, pid);
    /* sigqueue: SI_QUEUE and the value. */
    union sigval v = {.sival_int = 1234};
    CHECK_OK(sigqueue(getpid(), SIGUSR1, v));
    CHECK_EQ(g_count, 3);
    CHECK_EQ(g_info.si_code, SI_QUEUE);
    CHECK_EQ(g_info.si_value.sival_int, 1234);
    CHECK_EQ(g_info.si_pid, getpid());
    /* tgkill: SI_TKILL. */
    CHECK_OK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    CHECK_EQ(g_count, 4);
    CHECK_EQ(g_info.si_code, SI_TKILL);
    CHECK_EQ(g_info.si_pid, getpid());
    /* rt_sigqueueinfo(2) EPERM: a process may not send another one a
     * siginfo with si_code >= 0 (a kernel or kill() code): only negative
     * codes such as SI_QUEUE. The target blocks SIGUSR1 and would die of
     * it if it arrived after all. */
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        for (;;) pause();
    }
    siginfo_t forged;
    memset(&forged, 0, sizeof forged);
    forged.si_signo = SIGUSR1;
    forged.si_code = SI_KERNEL;
    long r = syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &forged);
    int e = errno;
    kill(pid, SIGKILL);
    int st = wait_status(pid);
    if (r != -1 || e != EPERM)
        return fail("rt_sigqueueinfo(SI_KERNEL) to another process = %ld (%s), expected EPERM", r,
                    errno_name(e));
    CHECK_KILLED(st, SIGKILL);
    /* kill(2): signal 0 checks the target only; a bad signal is EINVAL, a
     * missing process ESRCH. */
    CHECK_OK(kill(getpid(), 0));
    CHECK_ERR(kill(getpid(), 65), EINVAL);
    CHECK_ERR(kill(0x3fffffff, SIGUSR1), ESRCH);
    return CASE_PASS;
}

static int resethand_child(void* arg) {
    (void)arg;
    if (set_handler(SIGUSR1, counting, SA_RESETHAND)) return 2;
    raise(SIGUSR1);
    if (g_count != 1) return 3;
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    if (now.sa_handler != SIG_DFL) return 4;
    raise(SIGUSR1); /* the default action now: terminate */
    return 5;
}

/* SA_RESETHAND: "Restore the signal action to the default upon entry to
 * the signal handler." */
static int sig_resethand(void) {
    int st = run_in_child(resethand_child, NULL);
    if (WIFEXITED(st)) return fail("child exited %d (3: no handler run, 4: not reset, 5: survived)", WEXITSTATUS(st));
    CHECK_KILLED(st, SIGUSR1);
    return CASE_PASS;
}

static void nesting(int sig) {
    ++g_count;
    ++g_depth;
    if (g_depth > g_max_depth) g_max_depth = g_depth;
    sigprocmask(SIG_BLOCK, NULL, &g_mask_in_handler);
    if (g_count == 1) raise(sig);
    --g_depth;
}

/* Without SA_NODEFER the signal is blocked while its handler runs (a
 * raise inside is delivered after it returns); with SA_NODEFER it nests.
 * sa_mask adds signals blocked during the handler. */
static int sig_nodefer_and_mask(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nesting;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    CHECK_EQ(g_count, 2);
    CHECK_EQ(g_max_depth, 1);
    CHECK(sigismember(&g_mask_in_handler, SIGUSR1));
    CHECK(sigismember(&g_mask_in_handler, SIGUSR2));
    sigset_t now;
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
    g_count = g_max_depth = 0;
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    CHECK_EQ(g_count, 2);
    CHECK_EQ(g_max_depth, 2);
    CHECK(!sigismember(&g_mask_in_handler, SIGUSR1));
    return CASE_PASS;
}

static volatile sig_atomic_t g_rt_order[8];
static void rt_recording(int sig) {
    if (g_count < 8) g_rt_order[g_count] = sig;
    ++g_count;
}

static int sig_mask_pending(void) {
    CHECK_OK(set_handler(SIGUSR1, counting, 0));
    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    CHECK_OK(raise(SIGUSR1));
    CHECK_OK(raise(SIGUSR1)); /* standard signals do not queue */
    CHECK_EQ(g_count, 0);
    uint64_t raw = 0;
    CHECK_OK(syscall(SYS_rt_sigpending, &raw, 8));
    CHECK_EQ(raw, 1ull << (SIGUSR1 - 1));
    CHECK_OK(sigpending(&pending));
    CHECK(sigismember(&pending, SIGUSR1));
    /* Unblocking delivers it before sigprocmask returns, once. */
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &block, NULL));
    CHECK_EQ(g_count, 1);
    CHECK_OK(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR1));
    /* Real-time signals queue, and the lowest-numbered goes first. The
     * handlers block everything: otherwise the higher signal, unblocked
     * inside the first handler, would be delivered on top of it before
     * that handler's first instruction. */
    g_count = 0;
    int rt_lo = 40, rt_hi = 42;
    struct sigaction rt;
    memset(&rt, 0, sizeof rt);
    rt.sa_handler = rt_recording;
    sigfillset(&rt.sa_mask);
    CHECK_OK(sigaction(rt_lo, &rt, NULL));
    CHECK_OK(sigaction(rt_hi, &rt, NULL));
    sigemptyset(&block);
    sigaddset(&block, rt_lo);
    sigaddset(&block, rt_hi);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    union sigval v = {0};
    CHECK_OK(sigqueue(getpid(), rt_hi, v));
    CHECK_OK(sigqueue(getpid(), rt_lo, v));
    CHECK_OK(sigqueue(getpid(), rt_lo, v));
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &block, NULL));
    CHECK_EQ(g_count, 3);
    CHECK(g_rt_order[0] == rt_lo && g_rt_order[1] == rt_lo && g_rt_order[2] == rt_hi);
    /* SIGKILL and SIGSTOP cannot be blocked: sigprocmask silently leaves
     * them out. */
    sigset_t all, now;
    sigfillset(&all);
    CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8));
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP));
    CHECK(sigismember(&now, SIGTERM));
    /* EINVAL: a bad how, or a sigset size other than 8. */
    CHECK_ERR(syscall(SYS_rt_sigprocmask, 99, &all, NULL, 8), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 4), EINVAL);
    return CASE_PASS;
}

static volatile sig_atomic_t g_rt_values[64], g_usr1_count;
static void count_usr1(int sig) {
    (void)sig;
    ++g_usr1_count;
}
static void rt_value(int sig, siginfo_t* si, void* uc) {
    (void)sig;
    (void)uc;
    if (g_count < 64) g_rt_values[g_count] = si->si_value.sival_int;
    ++g_count;
}

/* RLIMIT_SIGPENDING bounds the realtime queue: sigqueue (and tgkill of a
 * realtime signal) fail with EAGAIN past it, kill() still gets through
 * (only its siginfo is lost), a standard signal always does. Linux counts
 * the user's pending signals: others' may take some of the room. */
static int sig_rt_queue_limit(void) {
    const int limit = 8, rt = SIGRTMIN + 2;
    struct rlimit rl = {limit, limit};
    CHECK_OK(setrlimit(RLIMIT_SIGPENDING, &rl));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = rt_value;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    CHECK_OK(sigaction(rt, &sa, NULL));
    CHECK_OK(set_handler(SIGUSR1, count_usr1, 0));
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, rt);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    int queued = 0;
    for (int i = 0; i < 3 * limit; ++i) {
        union sigval v = {.sival_int = i};
        if (sigqueue(getpid(), rt, v) == 0) {
            ++queued;
            continue;
        }
        CHECK_EQ(errno, EAGAIN);
        break;
    }
    if (queued < 1 || queued > limit) return fail("%d signals queued under a limit of %d", queued, limit);
    CHECK_ERR(syscall(SYS_tgkill, getpid(), getpid(), rt), EAGAIN);
    union sigval v = {.sival_int = 99};
    CHECK_OK(sigqueue(getpid(), SIGUSR1, v));
    CHECK_OK(kill(getpid(), rt));
    g_count = 0;
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &block, NULL));
    /* Each queued one once, in order; kill()'s merged with them. */
    CHECK_EQ(g_count, queued);
    CHECK_EQ(g_usr1_count, 1);
    for (int i = 0; i < queued; ++i)
        if (g_rt_values[i] != i) return fail("delivery %d carried %d", i, (int)g_rt_values[i]);
    /* Room again. */
    CHECK_OK(sigqueue(getpid(), rt, v));
    CHECK_EQ(g_count, queued + 1);
    return CASE_PASS;
}

/* sigwaitinfo and sigtimedwait take a pending signal of their set (blocked,
 * as it should be) with its siginfo; wait for one, up to the timeout
 * (EAGAIN); a handled signal outside the set ends the wait (EINTR). A
 * blocked signal is queued for them even when its action ignores it. */
static int sig_sigtimedwait(void) {
    const int rt = SIGRTMIN + 1;
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, rt);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGALRM);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old));
    union sigval v = {.sival_int = 5};
    CHECK_OK(sigqueue(getpid(), rt, v));
    CHECK_OK(raise(SIGUSR1));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigwaitinfo(&set, &si), SIGUSR1); /* lowest first */
    CHECK_EQ(si.si_code, SI_TKILL);            /* raise() is tgkill */
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigwaitinfo(&set, &si), rt);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_pid, getpid());
    CHECK_EQ(si.si_value.sival_int, 5);
    /* Nothing pending: a zero timeout only looks; a short one expires. */
    struct timespec zero = {0, 0}, short_wait = {0, 50000000};
    CHECK_ERR(sigtimedwait(&set, &si, &zero), EAGAIN);
    long long start = now_ns();
    CHECK_ERR(sigtimedwait(&set, &si, &short_wait), EAGAIN);
    CHECK(now_ns() - start >= 50000000LL);
    /* SIGCHLD's default action ignores it, but blocked it is queued. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(3);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigwaitinfo(&set, &si), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 3);
    CHECK_EXITED(wait_status(pid), 3);
    /* A timer's signal. */
    struct itimerval it = {{0, 0}, {0, 20000}};
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigwaitinfo(&set, &si), SIGALRM);
    CHECK_EQ(si.si_code, SI_KERNEL);
    /* A handled signal outside the set ends the wait: EINTR. */
    CHECK_OK(set_handler(SIGUSR2, counting, 0));
    g_count = 0;
    fflush(NULL);
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    struct timespec long_wait = {10, 0};
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    /* (The raw call: musl's sigtimedwait retries on EINTR.) */
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &usr1, &si, &long_wait, 8), EINTR);
    CHECK_EQ(g_count, 1);
    /* Its SIGCHLD is blocked: wait for the child itself. */
    CHECK_EXITED(wait_status(pid), 0);
    /* Bad arguments. */
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(sigtimedwait(&set, &si, &bad), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 4), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, (void*)ADDR_HHDM, NULL, &zero, 8), EFAULT);
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, NULL, (void*)ADDR_UNMAPPED_LOW, 8), EFAULT);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
    return CASE_PASS;
}

static int sig_sigsuspend(void) {
    CHECK_OK(set_handler(SIGUSR1, counting, 0));
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(20);
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    }
    /* sigsuspend(2): "temporarily replaces the signal mask ... and then
     * suspends the process until delivery of a signal whose action is to
     * invoke a signal handler"; it "always returns -1, with errno set to
     * EINTR", and the mask is restored. */
    CHECK_ERR(sigsuspend(&empty), EINTR);
    CHECK_EQ(g_count, 1);
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1));
    CHECK_EXITED(wait_status(pid), 0);
    /* A signal already pending ends it at once. */
    CHECK_OK(raise(SIGUSR1));
    CHECK_EQ(g_count, 1);
    CHECK_ERR(sigsuspend(&empty), EINTR);
    CHECK_EQ(g_count, 2);
    return CASE_PASS;
}

/* ppoll(2), pselect(2), epoll_pwait(2): the mask argument replaces the
 * thread's mask for the wait ("atomically" set, waited, restored). A
 * signal pending and blocked by the thread's own mask but not by the
 * temporary one interrupts the wait with EINTR; its handler runs under
 * the temporary mask (plus the signal itself), and afterwards the own mask
 * is back. Without a signal the call returns normally with the own mask
 * back at once. */
static sigset_t g_wait_mask_seen;
static void wait_mask_handler(int sig) {
    (void)sig;
    ++g_count;
    sigprocmask(SIG_BLOCK, NULL, &g_wait_mask_seen);
}

static int wait_mask_round(int how, const sigset_t* temp) {
    int r = -1;
    if (how == 0) {
        struct timespec ts = {.tv_sec = 5, .tv_nsec = 0};
        r = ppoll(NULL, 0, &ts, temp);
    } else if (how == 1) {
        struct timespec ts = {.tv_sec = 5, .tv_nsec = 0};
        r = pselect(0, NULL, NULL, NULL, &ts, temp);
    } else {
        int ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) return -2;
        r = epoll_pwait(ep, &(struct epoll_event){0}, 1, 5000, temp);
        int saved = errno;
        close(ep);
        errno = saved;
    }
    return r;
}

static int sig_wait_mask(void) {
    CHECK_OK(set_handler(SIGUSR1, wait_mask_handler, 0));
    sigset_t own, temp, now;
    sigemptyset(&own);
    sigaddset(&own, SIGUSR1);
    sigemptyset(&temp);
    sigaddset(&temp, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_SETMASK, &own, NULL));
    for (int how = 0; how < 3; ++how) {
        /* SIGUSR1 pending under the own mask: the temporary one lets it in. */
        g_count = 0;
        CHECK_OK(raise(SIGUSR1));
        CHECK_EQ(g_count, 0);
        CHECK_ERR(wait_mask_round(how, &temp), EINTR);
        CHECK_EQ(g_count, 1);
        CHECK(sigismember(&g_wait_mask_seen, SIGUSR2));
        CHECK(sigismember(&g_wait_mask_seen, SIGUSR1));
        CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
        CHECK(sigismember(&now, SIGUSR1));
        CHECK(!sigismember(&now, SIGUSR2));
        /* No signal: a zero timeout returns 0, and the own mask is back. */
        if (how == 0) {
            struct timespec zero = {0, 0};
            CHECK_EQ(ppoll(NULL, 0, &zero, &temp), 0);
        } else if (how == 1) {
            struct timespec zero = {0, 0};
            CHECK_EQ(pselect(0, NULL, NULL, NULL, &zero, &temp), 0);
        } else {
            int ep = epoll_create1(EPOLL_CLOEXEC);
            CHECK_OK(ep);
            CHECK_EQ(epoll_pwait(ep, &(struct epoll_event){0}, 1, 0, &temp), 0);
            close(ep);
        }
        CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
        CHECK(sigismember(&now, SIGUSR1));
        CHECK(!sigismember(&now, SIGUSR2));
    }
    /* A bad size is EINVAL, a bad mask pointer EFAULT; the mask stays. */
    struct timespec zero = {0, 0};
    CHECK_ERR(syscall(SYS_ppoll, NULL, 0, &zero, &temp, 4), EINVAL);
    CHECK_ERR(syscall(SYS_ppoll, NULL, 0, &zero, (void*)ADDR_UNMAPPED_LOW, 8), EFAULT);
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1));
    CHECK(!sigismember(&now, SIGUSR2));
    return CASE_PASS;
}

static char* g_alt_base;
static size_t g_alt_size;
static volatile uintptr_t g_handler_local;
static volatile int g_alt_flags_in_handler, g_alt_change_errno;

static void on_alt(int sig) {
    volatile char local = 0;
    (void)sig;
    g_handler_local = (uintptr_t)&local;
    stack_t ss;
    sigaltstack(NULL, &ss);
    g_alt_flags_in_handler = ss.ss_flags;
    /* sigaltstack(2) EPERM: "An attempt was made to change the alternate
     * signal stack while it was active". */
    stack_t other = {.ss_sp = g_alt_base, .ss_size = g_alt_size, .ss_flags = 0};
    g_alt_change_errno = syscall(SYS_sigaltstack, &other, NULL) == 0 ? 0 : errno;
}

static int sig_altstack(void) {
    g_alt_size = 64 * 1024;
    g_alt_base = malloc(g_alt_size);
    CHECK(g_alt_base != NULL);
    stack_t ss = {.ss_sp = g_alt_base, .ss_size = g_alt_size, .ss_flags = 0}, old;
    CHECK_OK(sigaltstack(&ss, &old));
    CHECK_EQ(old.ss_flags, SS_DISABLE);
    CHECK_OK(set_handler(SIGUSR1, on_alt, SA_ONSTACK));
    raise(SIGUSR1);
    uintptr_t lo = (uintptr_t)g_alt_base, hi = lo + g_alt_size;
    if (g_handler_local < lo || g_handler_local >= hi)
        return fail("SA_ONSTACK handler ran at %#lx, outside the alternate stack [%#lx, %#lx)",
                    (unsigned long)g_handler_local, (unsigned long)lo, (unsigned long)hi);
    CHECK_EQ(g_alt_flags_in_handler, SS_ONSTACK);
    CHECK_EQ(g_alt_change_errno, EPERM);
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK_EQ(old.ss_flags, 0);
    CHECK(old.ss_sp == g_alt_base && old.ss_size == g_alt_size);
    /* Without SA_ONSTACK the handler stays on the normal stack. */
    CHECK_OK(set_handler(SIGUSR1, on_alt, 0));
    raise(SIGUSR1);
    CHECK(g_handler_local < lo || g_handler_local >= hi);
    CHECK_EQ(g_alt_flags_in_handler, 0);
    /* ENOMEM: "the size of the new alternate stack was less than
     * MINSIGSTKSZ" (2048); EINVAL for unknown flags. */
    stack_t tiny = {.ss_sp = g_alt_base, .ss_size = 1024, .ss_flags = 0};
    CHECK_ERR(syscall(SYS_sigaltstack, &tiny, NULL), ENOMEM);
    stack_t weird = {.ss_sp = g_alt_base, .ss_size = g_alt_size, .ss_flags = 0x10};
    CHECK_ERR(syscall(SYS_sigaltstack, &weird, NULL), EINVAL);
    stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    CHECK_OK(sigaltstack(&off, NULL));
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK_EQ(old.ss_flags, SS_DISABLE);
    return CASE_PASS;
}

static sigjmp_buf g_overflow_jump;
static volatile uintptr_t g_overflow_addr;
static void on_overflow(int sig, siginfo_t* si, void* uc) {
    (void)sig;
    (void)uc;
    g_overflow_addr = (uintptr_t)si->si_addr;
    siglongjmp(g_overflow_jump, 1);
}

static int recurse(volatile char* prev, long depth) {
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[1023] = prev ? prev[0] : 0;
    if (depth > (1l << 40)) return 0; /* never: the stack ends long before */
    return recurse(frame, depth + 1) + frame[1];
}

/* The classic use of the alternate stack: catching a stack overflow,
 * whose SIGSEGV cannot run on the exhausted stack. */
static int sig_altstack_overflow(void) {
    struct rlimit rl = {1 << 20, 1 << 20};
    CHECK_OK(setrlimit(RLIMIT_STACK, &rl));
    stack_t ss = {.ss_sp = malloc(64 * 1024), .ss_size = 64 * 1024, .ss_flags = 0};
    CHECK(ss.ss_sp != NULL);
    CHECK_OK(sigaltstack(&ss, NULL));
    CHECK_OK(set_action(SIGSEGV, on_overflow, SA_ONSTACK));
    volatile char here = 0;
    if (sigsetjmp(g_overflow_jump, 1) == 0) {
        recurse(NULL, 0);
        return fail("the recursion returned");
    }
    uintptr_t top = (uintptr_t)&here;
    if (g_overflow_addr >= top || top - g_overflow_addr > (2u << 20))
        return fail("overflow fault at %#lx, stack near %#lx", (unsigned long)g_overflow_addr,
                    (unsigned long)top);
    return CASE_PASS;
}

/* Sends SIGUSR1 to the parent every `every_ms` until killed. */
static int pester(void* arg) {
    long every_ms = (long)arg;
    pid_t parent = getppid();
    for (;;) {
        if (kill(parent, SIGUSR1)) return 1;
        sleep_ms(every_ms);
    }
}

static int sig_eintr_and_restart(void) {
    int p[2];
    CHECK_OK(pipe(p));
    /* signal(7): without SA_RESTART a handler interrupts a blocking read
     * with EINTR. */
    CHECK_OK(set_handler(SIGUSR1, counting, 0));
    pid_t pid = fork_run(pester, (void*)20L);
    CHECK_OK(pid);
    char c;
    ssize_t r = read(p[0], &c, 1);
    int e = errno;
    kill(pid, SIGKILL);
    wait_status(pid);
    if (r != -1 || e != EINTR) return fail("read = %zd (%s), expected EINTR", r, errno_name(e));
    CHECK(g_count >= 1);
    /* With SA_RESTART the read goes on and returns the data. */
    g_count = 0;
    CHECK_OK(set_handler(SIGUSR1, counting, SA_RESTART));
    fflush(NULL);
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        for (int i = 0; i < 3; ++i) {
            sleep_ms(30);
            kill(getppid(), SIGUSR1);
        }
        sleep_ms(30);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    r = read(p[0], &c, 1);
    e = errno;
    CHECK_EXITED(wait_status(pid), 0);
    if (r != 1) return fail("SA_RESTART: read = %zd (%s), expected 1", r, errno_name(e));
    CHECK(g_count >= 1);
    /* "never restarted after being interrupted by a signal handler,
     * regardless of the use of SA_RESTART": nanosleep among others. */
    pid = fork_run(pester, (void*)20L);
    CHECK_OK(pid);
    struct timespec ts = {10, 0}, rem = {0, 0};
    r = nanosleep(&ts, &rem);
    e = errno;
    kill(pid, SIGKILL);
    wait_status(pid);
    if (r != -1 || e != EINTR) return fail("nanosleep = %zd (%s), expected EINTR", r, errno_name(e));
    CHECK(rem.tv_sec > 0 && rem.tv_sec <= 10);
    return CASE_PASS;
}

static int sig_sigchld(void) {
    CHECK_OK(set_action(SIGCHLD, recording, 0));
    sigset_t block, empty;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGCHLD);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(5);
    while (g_count == 0) sigsuspend(&empty);
    CHECK_EQ(g_info.si_signo, SIGCHLD);
    CHECK_EQ(g_info.si_code, CLD_EXITED);
    CHECK_EQ(g_info.si_pid, pid);
    CHECK_EQ(g_info.si_status, 5);
    CHECK_EXITED(wait_status(pid), 5);
    g_count = 0;
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        for (;;) pause();
    }
    CHECK_OK(kill(pid, SIGKILL));
    while (g_count == 0) sigsuspend(&empty);
    CHECK_EQ(g_info.si_code, CLD_KILLED);
    CHECK_EQ(g_info.si_pid, pid);
    CHECK_EQ(g_info.si_status, SIGKILL);
    CHECK_KILLED(wait_status(pid), SIGKILL);
    return CASE_PASS;
}

/* signal(7)/wait(2): with SIGCHLD set to SIG_IGN, children do not become
 * zombies; wait blocks until they are all gone, then fails with ECHILD. */
static int sig_sigchld_ignored(void) {
    CHECK_OK(set_handler(SIGCHLD, SIG_IGN, 0));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(30);
        _exit(3);
    }
    int st;
    CHECK_ERR(waitpid(pid, &st, 0), ECHILD);
    CHECK_ERR(kill(pid, 0), ESRCH);
    return CASE_PASS;
}

/* CPU exceptions: each handler checks si_code, si_addr and the saved
 * context (RIP, trap number), then resumes after the instruction by
 * editing the context, which rt_sigreturn must honour. */
void fault_segv_write(void* p);
void fault_ud2(void);
int fault_div0(int x);
void fault_int3(void);
int fault_read(const void* p);
extern const char segv_insn[], segv_resume[], ud2_insn[], ud2_resume[], div_insn[],
    div_resume[], int3_insn[], int3_after[], read_insn[], read_resume[];
__asm__(".text\n"
        ".globl fault_segv_write\nfault_segv_write:\n"
        ".globl segv_insn\nsegv_insn: movb $1, (%rdi)\n"
        ".globl segv_resume\nsegv_resume: ret\n"
        ".globl fault_ud2\nfault_ud2:\n"
        ".globl ud2_insn\nud2_insn: ud2\n"
        ".globl ud2_resume\nud2_resume: ret\n"
        ".globl fault_div0\nfault_div0:\n"
        "  mov %edi, %eax\n  xor %edx, %edx\n  xor %ecx, %ecx\n"
        ".globl div_insn\ndiv_insn: divl %ecx\n"
        ".globl div_resume\ndiv_resume: ret\n"
        ".globl fault_int3\nfault_int3:\n"
        ".globl int3_insn\nint3_insn: int3\n"
        ".globl int3_after\nint3_after: ret\n"
        ".globl fault_read\nfault_read:\n"
        ".globl read_insn\nread_insn: movzbl (%rdi), %eax\n"
        ".globl read_resume\nread_resume: ret\n");

struct fault_seen {
    int sig, code, trapno;
    uintptr_t addr, rip, err;
};
static volatile struct fault_seen g_seen;
static const char* volatile g_resume_at;

static void on_fault(int sig, siginfo_t* si, void* ucv) {
    ucontext_t* uc = ucv;
    g_seen.sig = sig;
    g_seen.code = si->si_code;
    g_seen.addr = (uintptr_t)si->si_addr;
    g_seen.rip = uc->uc_mcontext.gregs[REG_RIP];
    g_seen.trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    g_seen.err = uc->uc_mcontext.gregs[REG_ERR];
    if (g_resume_at) uc->uc_mcontext.gregs[REG_RIP] = (greg_t)g_resume_at;
    ++g_count;
}

static int check_seen(const char* what, int sig, int code, uintptr_t addr, const void* rip, int trapno) {
    if (g_count != 1) return fail("%s: the handler ran %d times", what, (int)g_count);
    if (g_seen.sig != sig || g_seen.code != code || g_seen.addr != addr ||
        g_seen.rip != (uintptr_t)rip || g_seen.trapno != trapno)
        return fail("%s: %s si_code %d si_addr %#lx rip %#lx trapno %d; expected %s si_code %d "
                    "si_addr %#lx rip %p trapno %d",
                    what, signal_name(g_seen.sig), g_seen.code, (unsigned long)g_seen.addr,
                    (unsigned long)g_seen.rip, g_seen.trapno, signal_name(sig), code,
                    (unsigned long)addr, rip, trapno);
    return 0;
}

static int sig_segv_null_write(void) {
    CHECK_OK(set_action(SIGSEGV, on_fault, 0));
    g_resume_at = segv_resume;
    fault_segv_write(NULL);
    if (check_seen("write to NULL", SIGSEGV, SEGV_MAPERR, 0, segv_insn, 14)) return CASE_FAIL;
    /* The page-fault error code: bit 1 write, bit 2 user mode. */
    CHECK_EQ(g_seen.err & 6, 6);
    return CASE_PASS;
}

static int sig_ill_ud2(void) {
    CHECK_OK(set_action(SIGILL, on_fault, 0));
    g_resume_at = ud2_resume;
    fault_ud2();
    if (check_seen("ud2", SIGILL, ILL_ILLOPN, (uintptr_t)ud2_insn, ud2_insn, 6)) return CASE_FAIL;
    return CASE_PASS;
}

static int sig_fpe_div0(void) {
    CHECK_OK(set_action(SIGFPE, on_fault, 0));
    g_resume_at = div_resume;
    fault_div0(7);
    if (check_seen("div by 0", SIGFPE, FPE_INTDIV, (uintptr_t)div_insn, div_insn, 0)) return CASE_FAIL;
    return CASE_PASS;
}

/* int3 is a trap: the saved RIP is the next instruction. Linux sends it
 * as a kernel signal: si_code SI_KERNEL, si_addr 0. */
static int sig_trap_int3(void) {
    CHECK_OK(set_action(SIGTRAP, on_fault, 0));
    g_resume_at = NULL;
    fault_int3();
    if (check_seen("int3", SIGTRAP, SI_KERNEL, 0, int3_after, 3)) return CASE_FAIL;
    return CASE_PASS;
}

static int sig_bus_mmap_eof(void) {
    int fd = open(g_self, O_RDONLY | O_CLOEXEC);
    CHECK_OK(fd);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    size_t pages = ((size_t)st.st_size + PAGE - 1) / PAGE;
    unsigned char* p = mmap(NULL, (pages + 1) * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_OK(set_action(SIGBUS, on_fault, 0));
    g_resume_at = read_resume;
    fault_read(p + pages * PAGE + 3);
    if (check_seen("read past EOF", SIGBUS, BUS_ADRERR, (uintptr_t)(p + pages * PAGE + 3), read_insn, 14))
        return CASE_FAIL;
    return CASE_PASS;
}

/* The x86-64 psABI: on entry to a function (a handler too), (rsp + 8) is
 * a multiple of 16. The kernel must align the frame whatever rsp the
 * interrupted code had; here rsp at the kill is each of 16 offsets. */
long kill_with_rsp_offset(long pid, long sig, long offset);
void align_probe(int sig);
void align_probe_info(int sig, siginfo_t* si, void* uc);
volatile uintptr_t g_entry_rsp;
__asm__(".text\n"
        ".globl kill_with_rsp_offset\nkill_with_rsp_offset:\n"
        "  push %rbp\n  mov %rsp, %rbp\n"
        "  and $-16, %rsp\n  sub $256, %rsp\n  sub %rdx, %rsp\n"
        "  mov $62, %eax\n  syscall\n"
        "  mov %rbp, %rsp\n  pop %rbp\n  ret\n"
        ".globl align_probe\nalign_probe:\n"
        ".globl align_probe_info\nalign_probe_info:\n"
        "  mov %rsp, g_entry_rsp(%rip)\n  ret\n");

static int sig_handler_stack_alignment(void) {
    stack_t ss = {.ss_sp = (char*)malloc(65536 + 64) + 8, .ss_size = 65536 + 3, .ss_flags = 0};
    CHECK_OK(sigaltstack(&ss, NULL));
    for (int mode = 0; mode < 3; ++mode) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        if (mode == 0) {
            sa.sa_handler = align_probe;
        } else {
            sa.sa_sigaction = align_probe_info;
            sa.sa_flags = SA_SIGINFO | (mode == 2 ? SA_ONSTACK : 0);
        }
        CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
        for (long off = 0; off < 16; ++off) {
            g_entry_rsp = 0;
            CHECK_EQ(kill_with_rsp_offset(getpid(), SIGUSR1, off), 0);
            if (!g_entry_rsp) return fail("mode %d: the handler did not run", mode);
            if ((g_entry_rsp + 8) % 16)
                return fail("%s handler%s: rsp at entry %#lx (interrupted rsp offset %ld): "
                            "rsp + 8 is not 16-byte aligned",
                            mode ? "SA_SIGINFO" : "plain", mode == 2 ? " on the alternate stack" : "",
                            (unsigned long)g_entry_rsp, off);
        }
    }
    return CASE_PASS;
}

/* /proc/self/status's signal sets (ps s, and scripts that grep SigIgn):
 * SigPnd the thread's pending, ShdPnd the process's, SigBlk the mask,
 * SigIgn and SigCgt the ignored and caught signals, each 16 hex digits
 * with bit n - 1 for signal n. Only these signals' bits are checked (the C
 * library may catch or block others). */
static unsigned long long status_set(const char* name) {
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) return ~0ull;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return ~0ull;
    buf[n] = 0;
    size_t len = strlen(name);
    for (char* line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, len) == 0 && line[len] == ':' && line[len + 1] == '\t') {
            char* end;
            unsigned long long v = strtoull(line + len + 2, &end, 16);
            return end == line + len + 2 + 16 && *end == '\n' ? v : ~0ull;
        }
    }
    return ~0ull;
}

static void ignore_it(int sig) {
    (void)sig;
}

static int sig_proc_status_sets(void) {
    const unsigned long long usr1 = 1ull << (SIGUSR1 - 1), usr2 = 1ull << (SIGUSR2 - 1),
                             pipe = 1ull << (SIGPIPE - 1), chld = 1ull << (SIGCHLD - 1),
                             term = 1ull << (SIGTERM - 1);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    signal(SIGPIPE, SIG_IGN);
    CHECK_OK(set_handler(SIGCHLD, ignore_it, 0));
    signal(SIGTERM, SIG_DFL);
    CHECK_OK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1)); /* at this thread */
    CHECK_OK(kill(getpid(), SIGUSR2));                          /* at the process */
    CHECK_EQ(status_set("SigPnd") & (usr1 | usr2), usr1);
    CHECK_EQ(status_set("ShdPnd") & (usr1 | usr2), usr2);
    CHECK_EQ(status_set("SigBlk") & (usr1 | usr2 | term), usr1 | usr2);
    CHECK_EQ(status_set("SigIgn") & (pipe | chld | term), pipe);
    CHECK_EQ(status_set("SigCgt") & (pipe | chld | term), chld);
    /* Ignoring a pending signal discards it. */
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    CHECK_EQ(status_set("SigPnd") & (usr1 | usr2), 0);
    CHECK_EQ(status_set("ShdPnd") & (usr1 | usr2), 0);
    return CASE_PASS;
}

CASE_TABLE(signal) = {
    {"sig-handler-runs", sig_handler_runs},
    {"sig-siginfo", sig_siginfo},
    {"sig-resethand", sig_resethand},
    {"sig-nodefer-and-mask", sig_nodefer_and_mask},
    {"sig-mask-pending", sig_mask_pending},
    {"sig-rt-queue-limit", sig_rt_queue_limit},
    {"sig-sigsuspend", sig_sigsuspend},
    {"sig-wait-mask", sig_wait_mask},
    {"sig-sigtimedwait", sig_sigtimedwait},
    {"sig-altstack", sig_altstack},
    {"sig-altstack-overflow", sig_altstack_overflow},
    {"sig-eintr-and-restart", sig_eintr_and_restart},
    {"sig-sigchld", sig_sigchld},
    {"sig-sigchld-ignored", sig_sigchld_ignored},
    {"sig-segv-null-write", sig_segv_null_write},
    {"sig-ill-ud2", sig_ill_ud2},
    {"sig-fpe-div0", sig_fpe_div0},
    {"sig-trap-int3", sig_trap_int3},
    {"sig-bus-mmap-eof", sig_bus_mmap_eof},
    {"sig-handler-stack-alignment", sig_handler_stack_alignment},
    {"sig-proc-status-sets", sig_proc_status_sets},
    CASE_TABLE_END,
};
