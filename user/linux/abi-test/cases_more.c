/* The second batch of everyday calls: POSIX timers (timer_create and
 * friends) first. Raw syscall() throughout: the kernel's timer IDs are
 * ints, and the C library's SIGEV_THREAD would start threads of its own. */
#include "suite.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define SIGEV_THREAD_ID_ 4
#define SI_TIMER_ (-2)

/* struct sigevent as the kernel reads it. */
struct ksigevent {
    unsigned long value;
    int signo;
    int notify;
    int tid;
    int pad[11];
};

struct kitimerspec {
    struct timespec interval, value;
};

static long tcreate(int clock, struct ksigevent* ev, int* id) {
    return syscall(SYS_timer_create, clock, ev, id);
}

static long tset(int id, int flags, long value_ns, long interval_ns, struct kitimerspec* old) {
    struct kitimerspec s = {{interval_ns / 1000000000, interval_ns % 1000000000},
                            {value_ns / 1000000000, value_ns % 1000000000}};
    return syscall(SYS_timer_settime, id, flags, &s, old);
}

static long ts_ns(const struct timespec* t) {
    return t->tv_sec * 1000000000L + t->tv_nsec;
}

static struct ksigevent sev(int notify, int signo, unsigned long value) {
    struct ksigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.notify = notify;
    ev.signo = signo;
    ev.value = value;
    return ev;
}

static void block(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, 0);
}

/* Waits up to 2 s for `sig` (blocked): its siginfo, or signo 0. */
static siginfo_t wait_sig(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    struct timespec limit = {2, 0};
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (sigtimedwait(&set, &si, &limit) != sig) si.si_signo = 0;
    return si;
}

/* A one-shot timer: its signal's details, gettime before and after,
 * getoverrun, delete. */
static int ptimer_basic(void) {
    int sig = SIGRTMIN + 1;
    block(sig);
    struct ksigevent ev = sev(SIGEV_SIGNAL, sig, 0x12345678abcdUL);
    int id = -1;
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK_EQ(id, 0); /* a new process's first timer */
    struct kitimerspec cur;
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK_EQ(ts_ns(&cur.value), 0);
    CHECK_EQ(ts_ns(&cur.interval), 0);
    CHECK_OK(tset(id, 0, 30000000, 0, 0));
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK(ts_ns(&cur.value) > 0 && ts_ns(&cur.value) <= 30000000);
    CHECK_EQ(ts_ns(&cur.interval), 0);
    long long start = now_ns();
    siginfo_t si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK(now_ns() - start >= 25000000);
    CHECK_EQ(si.si_code, SI_TIMER_);
    CHECK_EQ(si.si_timerid, id);
    CHECK_EQ(si.si_overrun, 0);
    CHECK_EQ((unsigned long)si.si_value.sival_ptr, 0x12345678abcdUL);
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK_EQ(ts_ns(&cur.value), 0);
    CHECK_EQ(syscall(SYS_timer_getoverrun, id), 0);
    CHECK_OK(syscall(SYS_timer_delete, id));
    CHECK_ERR(syscall(SYS_timer_delete, id), EINVAL);
    CHECK_ERR(syscall(SYS_timer_gettime, id, &cur), EINVAL);
    return CASE_PASS;
}

/* IDs count up and are not reused at once; a null sigevent is SIGALRM
 * with the ID as its value. */
static int ptimer_ids(void) {
    block(SIGALRM);
    int a, b, c, d;
    CHECK_OK(tcreate(CLOCK_REALTIME, 0, &a));
    CHECK_OK(tcreate(CLOCK_MONOTONIC, 0, &b));
    CHECK_OK(tcreate(CLOCK_BOOTTIME, 0, &c));
    CHECK_EQ(a, 0);
    CHECK_EQ(b, 1);
    CHECK_EQ(c, 2);
    CHECK_OK(syscall(SYS_timer_delete, b));
    CHECK_OK(tcreate(CLOCK_MONOTONIC, 0, &d));
    CHECK_EQ(d, 3);
    CHECK_OK(tset(c, 0, 5000000, 0, 0));
    siginfo_t si = wait_sig(SIGALRM);
    CHECK_EQ(si.si_signo, SIGALRM);
    CHECK_EQ(si.si_code, SI_TIMER_);
    CHECK_EQ(si.si_timerid, c);
    CHECK_EQ(si.si_value.sival_int, c);
    CHECK_OK(syscall(SYS_timer_delete, a));
    CHECK_OK(syscall(SYS_timer_delete, c));
    CHECK_OK(syscall(SYS_timer_delete, d));
    return CASE_PASS;
}

/* A periodic timer whose signal stays pending: one signal, its overruns
 * counted in si_overrun and then by timer_getoverrun. */
static int ptimer_periodic(void) {
    int sig = SIGRTMIN + 2;
    block(sig);
    struct ksigevent ev = sev(SIGEV_SIGNAL, sig, 7);
    int id;
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK_OK(tset(id, 0, 20000000, 20000000, 0));
    struct kitimerspec cur;
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK_EQ(ts_ns(&cur.interval), 20000000);
    sleep_ms(210);
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK(ts_ns(&cur.value) > 0 && ts_ns(&cur.value) <= 20000000);
    CHECK_EQ(ts_ns(&cur.interval), 20000000);
    siginfo_t si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK_EQ(si.si_code, SI_TIMER_);
    if (si.si_overrun < 5 || si.si_overrun > 11)
        return fail("si_overrun %d after 210 ms of a 20 ms timer", si.si_overrun);
    CHECK_EQ(syscall(SYS_timer_getoverrun, id), si.si_overrun);
    /* One signal for all those expiries: nothing else pending yet. */
    sigset_t pend;
    CHECK_OK(sigpending(&pend));
    CHECK(!sigismember(&pend, sig));
    /* The next comes a period later, without the old overruns. */
    si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK(si.si_overrun <= 2);
    /* A new setting before the signal is taken: the signal counts no
     * overrun, and timer_getoverrun reports 0. */
    sleep_ms(100);
    CHECK_OK(tset(id, 0, 0, 0, 0)); /* stops it; the pending signal stays */
    CHECK_EQ(syscall(SYS_timer_getoverrun, id), 0);
    si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK_EQ(si.si_overrun, 0);
    CHECK_EQ(syscall(SYS_timer_getoverrun, id), 0);
    /* Deleted before its signal is taken: the signal still comes. */
    CHECK_OK(tset(id, 0, 10000000, 10000000, 0));
    sleep_ms(60);
    CHECK_OK(syscall(SYS_timer_delete, id));
    si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK_EQ(si.si_code, SI_TIMER_);
    CHECK_EQ(si.si_overrun, 0);
    return CASE_PASS;
}

static volatile int g_handled, g_handled_code, g_handled_id;

static void on_timer(int sig, siginfo_t* si, void* uc) {
    (void)sig;
    (void)uc;
    g_handled++;
    g_handled_code = si->si_code;
    g_handled_id = si->si_timerid;
}

/* A periodic timer delivered to a handler, until disarmed. */
static int ptimer_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    CHECK_OK(sigaction(SIGUSR1, &sa, 0));
    struct ksigevent ev = sev(SIGEV_SIGNAL, SIGUSR1, 0);
    int id;
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK_OK(tset(id, 0, 10000000, 10000000, 0));
    long long end = now_ns() + 3000000000LL;
    while (g_handled < 3 && now_ns() < end) {
    }
    struct kitimerspec old;
    CHECK_OK(tset(id, 0, 0, 0, &old));
    CHECK_EQ(ts_ns(&old.interval), 10000000);
    CHECK(g_handled >= 3);
    CHECK_EQ(g_handled_code, SI_TIMER_);
    CHECK_EQ(g_handled_id, id);
    int seen = g_handled;
    sleep_ms(50);
    CHECK_EQ(g_handled, seen);
    return CASE_PASS;
}

/* SIGEV_NONE: never a signal; gettime computes the expiries. */
static int ptimer_sigev_none(void) {
    struct ksigevent ev = sev(SIGEV_NONE, 0, 0);
    int id, id2;
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id2));
    CHECK_OK(tset(id, 0, 40000000, 0, 0));
    CHECK_OK(tset(id2, 0, 20000000, 30000000, 0));
    struct kitimerspec cur;
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK(ts_ns(&cur.value) > 0 && ts_ns(&cur.value) <= 40000000);
    sleep_ms(80);
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK_EQ(ts_ns(&cur.value), 0);
    CHECK_EQ(ts_ns(&cur.interval), 0);
    CHECK_OK(syscall(SYS_timer_gettime, id2, &cur));
    CHECK(ts_ns(&cur.value) > 0 && ts_ns(&cur.value) <= 30000000);
    CHECK_EQ(ts_ns(&cur.interval), 30000000);
    CHECK_EQ(syscall(SYS_timer_getoverrun, id2), 0);
    sigset_t pend;
    CHECK_OK(sigpending(&pend));
    CHECK(sigisemptyset(&pend));
    return CASE_PASS;
}

/* SIGEV_THREAD_ID: to the thread named; TIMER_ABSTIME on REALTIME and
 * MONOTONIC (a time past fires at once); the old setting. */
static int ptimer_thread_abstime(void) {
    int sig = SIGRTMIN + 3;
    block(sig);
    struct ksigevent ev = sev(SIGEV_SIGNAL | SIGEV_THREAD_ID_, sig, 99);
    ev.tid = gettid();
    int id;
    CHECK_OK(tcreate(CLOCK_REALTIME, &ev, &id));
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    long long at = (long long)rt.tv_sec * 1000000000LL + rt.tv_nsec + 30000000;
    struct kitimerspec abs = {{0, 0}, {at / 1000000000LL, at % 1000000000LL}};
    CHECK_OK(syscall(SYS_timer_settime, id, TIMER_ABSTIME, &abs, 0));
    struct kitimerspec old;
    CHECK_OK(tset(id, TIMER_ABSTIME, at, 0, &old)); /* same time again */
    CHECK(ts_ns(&old.value) > 0 && ts_ns(&old.value) <= 30000000);
    siginfo_t si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK_EQ(si.si_code, SI_TIMER_);
    CHECK_EQ(si.si_value.sival_int, 99);
    clock_gettime(CLOCK_REALTIME, &rt);
    CHECK((long long)rt.tv_sec * 1000000000LL + rt.tv_nsec >= at - 2000000);
    /* Absolute MONOTONIC in the past: fires at once. */
    int id2;
    ev = sev(SIGEV_SIGNAL, sig, 5);
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id2));
    CHECK_OK(tset(id2, TIMER_ABSTIME, 1, 0, 0));
    si = wait_sig(sig);
    CHECK_EQ(si.si_signo, sig);
    CHECK_EQ(si.si_value.sival_int, 5);
    /* A thread of another process, or none: EINVAL. */
    ev = sev(SIGEV_SIGNAL | SIGEV_THREAD_ID_, sig, 0);
    ev.tid = getppid();
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id2), EINVAL);
    ev.tid = 0x3ffffff0;
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id2), EINVAL);
    ev.tid = gettid();
    ev.notify = SIGEV_THREAD_ID_; /* SIGEV_SIGNAL is 0: the same */
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id2));
    return CASE_PASS;
}

/* Bad clocks, sigevents, IDs, timespecs and pointers. */
static int ptimer_errors(void) {
    int id;
    struct ksigevent ev = sev(SIGEV_SIGNAL, SIGUSR2, 0);
    CHECK_ERR(tcreate(10, &ev, &id), EINVAL);
    CHECK_ERR(tcreate(12, &ev, &id), EINVAL);
    CHECK_ERR(tcreate(1000, &ev, &id), EINVAL);
    CHECK_ERR(tcreate(CLOCK_MONOTONIC_RAW, &ev, &id), EOPNOTSUPP);
    CHECK_ERR(tcreate(CLOCK_REALTIME_COARSE, &ev, &id), EOPNOTSUPP);
    CHECK_ERR(tcreate(CLOCK_MONOTONIC_COARSE, &ev, &id), EOPNOTSUPP);
    ev.notify = 3;
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.notify = 99;
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev = sev(SIGEV_SIGNAL, 0, 0);
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.signo = 65;
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.signo = -1;
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev = sev(SIGEV_NONE, 0, 0); /* no signal needed */
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, (void*)ADDR_HHDM, &id), EFAULT);
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, (void*)ADDR_UNMAPPED_LOW, &id), EFAULT);
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, (int*)ADDR_HHDM), EFAULT);
    CHECK_ERR(tcreate(CLOCK_MONOTONIC, &ev, (int*)ADDR_UNMAPPED_LOW), EFAULT);
    /* timer_settime */
    struct kitimerspec s = {{0, 0}, {1, 0}}, old;
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, (void*)ADDR_HHDM, 0), EFAULT);
    CHECK_ERR(syscall(SYS_timer_settime, id + 100, 0, &s, 0), EINVAL);
    CHECK_ERR(syscall(SYS_timer_settime, -1, 0, &s, 0), EINVAL);
    s.value.tv_nsec = 1000000000;
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, &s, 0), EINVAL);
    s.value.tv_nsec = -1;
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, &s, 0), EINVAL);
    s.value.tv_nsec = 0;
    s.value.tv_sec = -1;
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, &s, 0), EINVAL);
    s.value.tv_sec = 5;
    s.interval.tv_nsec = 1000000000;
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, &s, 0), EINVAL);
    s.interval.tv_nsec = 0;
    /* A bad old pointer: EFAULT, but the new setting took. */
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, &s, (void*)ADDR_HHDM), EFAULT);
    CHECK_OK(syscall(SYS_timer_gettime, id, &old));
    CHECK(old.value.tv_sec >= 4 && old.value.tv_sec <= 5);
    /* Flags other than TIMER_ABSTIME are ignored. */
    CHECK_OK(syscall(SYS_timer_settime, id, 0x100, &s, 0));
    /* timer_gettime, timer_getoverrun, timer_delete */
    CHECK_ERR(syscall(SYS_timer_gettime, id, (void*)ADDR_HHDM), EFAULT);
    CHECK_ERR(syscall(SYS_timer_gettime, id, (void*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_ERR(syscall(SYS_timer_gettime, -1, &old), EINVAL);
    CHECK_ERR(syscall(SYS_timer_gettime, 0x7fffffff, &old), EINVAL);
    CHECK_ERR(syscall(SYS_timer_getoverrun, -1), EINVAL);
    CHECK_ERR(syscall(SYS_timer_getoverrun, id + 1000), EINVAL);
    CHECK_ERR(syscall(SYS_timer_delete, -1), EINVAL);
    CHECK_ERR(syscall(SYS_timer_delete, id + 1000), EINVAL);
    CHECK_OK(syscall(SYS_timer_delete, id));
    return CASE_PASS;
}

static int timer_gone_in_child(void* arg) {
    struct kitimerspec cur;
    int id = *(int*)arg;
    if (syscall(SYS_timer_gettime, id, &cur) != -1 || errno != EINVAL) return 1;
    /* The child's own first timer is its first ID. */
    struct ksigevent ev = sev(SIGEV_NONE, 0, 0);
    int mine = -1;
    if (tcreate(CLOCK_MONOTONIC, &ev, &mine) || mine != 0) return 2;
    return 0;
}

/* fork's child has none of its parent's timers; execve drops them. */
static int ptimer_fork_exec(void) {
    struct ksigevent ev = sev(SIGEV_SIGNAL, SIGUSR2, 0);
    int id, id2;
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id));
    CHECK_OK(tcreate(CLOCK_MONOTONIC, &ev, &id2));
    CHECK_OK(tset(id, 0, 20000000000L, 0, 0));
    CHECK_EQ(run_in_child(timer_gone_in_child, &id2), 0);
    char arg[16];
    snprintf(arg, sizeof arg, "%d", id);
    CHECK_EXITED(run_helper("check-no-ptimer", arg, 0), 0);
    struct kitimerspec cur;
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK(cur.value.tv_sec >= 18);
    return CASE_PASS;
}

CASE_TABLE(more) = {
    {"ptimer-basic", ptimer_basic},
    {"ptimer-ids", ptimer_ids},
    {"ptimer-periodic", ptimer_periodic},
    {"ptimer-handler", ptimer_handler},
    {"ptimer-sigev-none", ptimer_sigev_none},
    {"ptimer-thread-abstime", ptimer_thread_abstime},
    {"ptimer-errors", ptimer_errors},
    {"ptimer-fork-exec", ptimer_fork_exec},
    CASE_TABLE_END,
};
