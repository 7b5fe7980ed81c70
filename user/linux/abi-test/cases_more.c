/* The second batch of everyday calls: POSIX timers (timer_create and
 * friends) first. Raw syscall() throughout: the kernel's timer IDs are
 * ints, and the C library's SIGEV_THREAD would start threads of its own. */
#include "suite.h"
#include "fs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
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
    /* Through a signalfd: ssi_tid, ssi_overrun, ssi_ptr; no ssi_pid. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    int sfd = signalfd(-1, &set, 0);
    CHECK_OK(sfd);
    CHECK_OK(tset(id, 0, 5000000, 0, 0));
    struct signalfd_siginfo ssi;
    CHECK_EQ(read(sfd, &ssi, sizeof ssi), sizeof ssi);
    CHECK_EQ(ssi.ssi_signo, sig);
    CHECK_EQ(ssi.ssi_code, SI_TIMER_);
    CHECK_EQ(ssi.ssi_tid, id);
    CHECK_EQ(ssi.ssi_overrun, 0);
    CHECK_EQ(ssi.ssi_pid, 0);
    CHECK_EQ(ssi.ssi_ptr, 0x12345678abcdUL);
    close(sfd);
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

/* Spins until `sig` is pending or `wall_ms` pass: whether it came. */
static int spin_until_pending(int sig, long wall_ms) {
    long long end = now_ns() + wall_ms * 1000000LL;
    sigset_t pend;
    while (now_ns() < end) {
        sigpending(&pend);
        if (sigismember(&pend, sig)) return 1;
    }
    return 0;
}

static long cpu_ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return ts_ns(&t);
}

/* Timers on the CPU-time clocks: they count only while the process (or
 * thread) runs. */
static int ptimer_cpu(void) {
    int sig = SIGRTMIN + 4;
    block(sig);
    struct ksigevent ev = sev(SIGEV_SIGNAL, sig, 11);
    int id;
    CHECK_OK(tcreate(CLOCK_PROCESS_CPUTIME_ID, &ev, &id));
    /* Sleeping does not count. */
    CHECK_OK(tset(id, 0, 30000000, 0, 0));
    sleep_ms(100);
    sigset_t pend;
    CHECK_OK(sigpending(&pend));
    CHECK(!sigismember(&pend, sig));
    struct kitimerspec cur;
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK(ts_ns(&cur.value) > 0 && ts_ns(&cur.value) <= 30000000);
    long before = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(spin_until_pending(sig, 5000));
    CHECK(cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - before >= 15000000);
    siginfo_t si = wait_sig(sig);
    CHECK_EQ(si.si_code, SI_TIMER_);
    CHECK_EQ(si.si_timerid, id);
    CHECK_EQ(si.si_value.sival_int, 11);
    CHECK_OK(syscall(SYS_timer_gettime, id, &cur));
    CHECK_EQ(ts_ns(&cur.value), 0);
    /* The thread's clock, and an absolute time already past. */
    int tid_timer;
    ev.value = 12;
    CHECK_OK(tcreate(CLOCK_THREAD_CPUTIME_ID, &ev, &tid_timer));
    CHECK_OK(tset(tid_timer, 0, 20000000, 0, 0));
    CHECK(spin_until_pending(sig, 5000));
    si = wait_sig(sig);
    CHECK_EQ(si.si_value.sival_int, 12);
    CHECK_OK(tset(tid_timer, TIMER_ABSTIME, 1, 0, 0));
    CHECK(spin_until_pending(sig, 2000));
    si = wait_sig(sig);
    CHECK_EQ(si.si_value.sival_int, 12);
    /* SIGEV_NONE on CPU time: gettime follows the clock. */
    struct ksigevent none = sev(SIGEV_NONE, 0, 0);
    int quiet;
    CHECK_OK(tcreate(CLOCK_PROCESS_CPUTIME_ID, &none, &quiet));
    CHECK_OK(tset(quiet, 0, 2000000000L, 0, 0));
    before = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    while (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - before < 100000000) {
    }
    CHECK_OK(syscall(SYS_timer_gettime, quiet, &cur));
    CHECK(ts_ns(&cur.value) > 0 && ts_ns(&cur.value) <= 1920000000L);
    CHECK_OK(syscall(SYS_timer_delete, quiet));
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


/* setgroups/getgroups: root sets (sorted, duplicates kept), fork inherits,
 * the size rules, EFAULT, EINVAL, and EPERM for anyone else. */
static gid_t g_many[65537];

static int groups_as_user(void* arg) {
    (void)arg;
    gid_t buf[8];
    if (syscall(SYS_setuid, 1000)) return 10;
    if (syscall(SYS_getgroups, 8, buf) != 2) return 11; /* still has them */
    if (syscall(SYS_setgroups, 0, 0) != -1 || errno != EPERM) return 12;
    /* EPERM comes before EINVAL and EFAULT. */
    if (syscall(SYS_setgroups, 70000, (void*)ADDR_HHDM) != -1 || errno != EPERM) return 13;
    return 0;
}

static int groups_in_child(void* arg) {
    (void)arg;
    gid_t buf[8];
    if (syscall(SYS_getgroups, 8, buf) != 2 || buf[0] != 7 || buf[1] != 9) return 1;
    return 0;
}

static int more_groups(void) {
    gid_t buf[8];
    CHECK_OK(syscall(SYS_setgroups, 0, 0));
    CHECK_EQ(syscall(SYS_getgroups, 0, 0), 0);
    CHECK_EQ(syscall(SYS_getgroups, 0, (void*)ADDR_HHDM), 0);
    gid_t set[3] = {5, 1, 3};
    CHECK_OK(syscall(SYS_setgroups, 3, set));
    CHECK_EQ(syscall(SYS_getgroups, 0, 0), 3);
    CHECK_EQ(syscall(SYS_getgroups, 0, (void*)ADDR_HHDM), 3);
    memset(buf, 0xff, sizeof buf);
    CHECK_EQ(syscall(SYS_getgroups, 8, buf), 3);
    CHECK(buf[0] == 1 && buf[1] == 3 && buf[2] == 5 && buf[3] == (gid_t)-1);
    CHECK_ERR(syscall(SYS_getgroups, 2, buf), EINVAL);
    CHECK_ERR(syscall(SYS_getgroups, -1, buf), EINVAL);
    CHECK_ERR(syscall(SYS_getgroups, 3, (void*)ADDR_HHDM), EFAULT);
    CHECK_ERR(syscall(SYS_getgroups, 3, (void*)ADDR_UNMAPPED_LOW), EFAULT);
    gid_t dup[3] = {2, 2, 1};
    CHECK_OK(syscall(SYS_setgroups, 3, dup));
    CHECK_EQ(syscall(SYS_getgroups, 8, buf), 3);
    CHECK(buf[0] == 1 && buf[1] == 2 && buf[2] == 2);
    /* Bad sizes and pointers change nothing. */
    CHECK_ERR(syscall(SYS_setgroups, 65537, g_many), EINVAL);
    CHECK_ERR(syscall(SYS_setgroups, -1, g_many), EINVAL);
    CHECK_ERR(syscall(SYS_setgroups, 2, (void*)ADDR_HHDM), EFAULT);
    CHECK_ERR(syscall(SYS_setgroups, 2, (void*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_EQ(syscall(SYS_getgroups, 0, 0), 3);
    /* NGROUPS_MAX itself. */
    for (int i = 0; i < 65536; ++i) g_many[i] = (gid_t)(65535 - i);
    CHECK_OK(syscall(SYS_setgroups, 65536, g_many));
    memset(g_many, 0, sizeof g_many);
    CHECK_EQ(syscall(SYS_getgroups, 65536, g_many), 65536);
    CHECK(g_many[0] == 0 && g_many[65535] == 65535 && g_many[1000] == 1000);
    /* fork inherits them; a user who is not root may not set them. */
    gid_t two[2] = {9, 7};
    CHECK_OK(syscall(SYS_setgroups, 2, two));
    CHECK_EXITED(run_in_child(groups_in_child, 0), 0);
    CHECK_EXITED(run_in_child(groups_as_user, 0), 0);
    return CASE_PASS;
}

/* prctl PR_SET/GET_TIMERSLACK: 50 us by default; 0 goes back to the
 * default, which a fork child takes from its parent's slack. */
static int slack_in_child(void* arg) {
    (void)arg;
    if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != 12345) return 1;
    if (prctl(PR_SET_TIMERSLACK, 777, 0, 0, 0) != 0) return 2;
    if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != 777) return 3;
    if (prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) != 0) return 4;
    if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != 12345) return 5;
    return 0;
}

static int more_timerslack(void) {
    CHECK_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);
    CHECK_OK(prctl(PR_SET_TIMERSLACK, 12345, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 12345);
    CHECK_EXITED(run_in_child(slack_in_child, 0), 0);
    CHECK_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 12345);
    CHECK_OK(prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);
    CHECK_OK(prctl(PR_SET_TIMERSLACK, 1UL << 40, 0, 0, 0));
    CHECK_EQ(syscall(SYS_prctl, PR_GET_TIMERSLACK, 0, 0, 0, 0), 1L << 40);
    return CASE_PASS;
}

/* ioprio_set/ioprio_get: the value's checks, then which, then who. */
#define IOPRIO_(cls, data) (((cls) << 13) | (data))

static int ioprio_in_child(void* arg) {
    (void)arg;
    if (syscall(SYS_ioprio_get, 1, 0) != IOPRIO_(2, 6)) return 1;
    if (syscall(SYS_setuid, 1000)) return 2;
    if (syscall(SYS_ioprio_set, 1, 0, IOPRIO_(1, 0)) != -1 || errno != EPERM) return 3;
    if (syscall(SYS_ioprio_set, 1, 0, IOPRIO_(2, 1)) != 0) return 4;
    if (syscall(SYS_ioprio_set, 1, getppid(), IOPRIO_(2, 1)) != -1 || errno != EPERM) return 5;
    if (syscall(SYS_ioprio_get, 1, getppid()) != IOPRIO_(2, 6)) return 6;
    return 0;
}

static int more_ioprio(void) {
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), 0); /* class NONE until set */
    CHECK_EQ(syscall(SYS_ioprio_get, 1, getpid()), 0);
    CHECK_OK(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(2, 6)));
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), IOPRIO_(2, 6));
    CHECK_EQ(syscall(SYS_ioprio_get, 2, 0), IOPRIO_(2, 6));
    CHECK_OK(syscall(SYS_ioprio_set, 1, getpid(), IOPRIO_(1, 7)));
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), IOPRIO_(1, 7));
    CHECK_OK(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(3, 0)));
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), IOPRIO_(3, 0));
    /* Only the low three bits are the level (6.1 lets the rest through);
     * class NONE needs level 0; 16 bits are kept. */
    CHECK_OK(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(2, 0x1fff)));
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), IOPRIO_(2, 0x1fff));
    CHECK_OK(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(0, 8)));
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), 8);
    CHECK_OK(syscall(SYS_ioprio_set, 1, 0, 0x10000 | IOPRIO_(3, 1)));
    CHECK_EQ(syscall(SYS_ioprio_get, 1, 0), IOPRIO_(3, 1));
    CHECK_ERR(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(0, 1)), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_set, 1, 0, -1), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(4, 0)), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(7, 0)), EINVAL);
    /* The value is checked before which. */
    CHECK_ERR(syscall(SYS_ioprio_set, 0, 0, IOPRIO_(2, 0)), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_set, 4, 0, IOPRIO_(2, 0)), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_get, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_get, 4, 0), EINVAL);
    CHECK_ERR(syscall(SYS_ioprio_get, 1, 0x3ffffff0), ESRCH);
    CHECK_ERR(syscall(SYS_ioprio_set, 1, 0x3ffffff0, IOPRIO_(2, 0)), ESRCH);
    CHECK_OK(syscall(SYS_ioprio_set, 1, 0, IOPRIO_(2, 6)));
    CHECK_EXITED(run_in_child(ioprio_in_child, 0), 0);
    return CASE_PASS;
}

/* membarrier: what QUERY reports, registration before the private
 * commands (kept by fork, dropped by execve), the flags rule. */
enum {
    MB_QUERY = 0, MB_GLOBAL = 1, MB_GLOBAL_EXP = 2, MB_REG_GLOBAL_EXP = 4, MB_PRIV_EXP = 8,
    MB_REG_PRIV_EXP = 16, MB_PRIV_SYNC = 32, MB_REG_PRIV_SYNC = 64, MB_PRIV_RSEQ = 128,
    MB_REG_PRIV_RSEQ = 256,
};

static long mb(int cmd, unsigned flags, int cpu) {
    return syscall(SYS_membarrier, cmd, flags, cpu);
}

static int mb_in_child(void* arg) {
    (void)arg;
    return mb(MB_PRIV_EXP, 0, 0) == 0 ? 0 : 1;
}

static int more_membarrier(void) {
    CHECK_EQ(mb(MB_QUERY, 0, 0), 511);
    CHECK_ERR(mb(MB_QUERY, 1, 0), EINVAL);
    CHECK_ERR(mb(MB_GLOBAL, 1, 0), EINVAL);
    CHECK_OK(mb(MB_GLOBAL, 0, 0));
    CHECK_OK(mb(MB_GLOBAL_EXP, 0, 0)); /* no registration needed */
    CHECK_ERR(mb(MB_PRIV_EXP, 0, 0), EPERM);
    CHECK_ERR(mb(MB_PRIV_SYNC, 0, 0), EPERM);
    CHECK_ERR(mb(MB_PRIV_RSEQ, 0, 0), EPERM);
    CHECK_OK(mb(MB_REG_GLOBAL_EXP, 0, 0));
    CHECK_OK(mb(MB_REG_PRIV_EXP, 0, 0));
    CHECK_OK(mb(MB_REG_PRIV_EXP, 0, 0)); /* again: fine */
    CHECK_OK(mb(MB_PRIV_EXP, 0, 0));
    CHECK_ERR(mb(MB_PRIV_SYNC, 0, 0), EPERM); /* its own registration */
    CHECK_OK(mb(MB_REG_PRIV_SYNC, 0, 0));
    CHECK_OK(mb(MB_PRIV_SYNC, 0, 0));
    CHECK_OK(mb(MB_REG_PRIV_RSEQ, 0, 0));
    CHECK_OK(mb(MB_PRIV_RSEQ, 0, 0));
    CHECK_OK(mb(MB_PRIV_RSEQ, 1, 0)); /* MEMBARRIER_CMD_FLAG_CPU */
    CHECK_ERR(mb(MB_PRIV_RSEQ, 2, 0), EINVAL);
    CHECK_ERR(mb(MB_PRIV_EXP, 1, 0), EINVAL);
    CHECK_ERR(mb(3, 0, 0), EINVAL);
    CHECK_ERR(mb(512, 0, 0), EINVAL);
    CHECK_ERR(mb(-1, 0, 0), EINVAL);
    CHECK_EXITED(run_in_child(mb_in_child, 0), 0);
    CHECK_EXITED(run_helper("check-membarrier", 0, 0), 0);
    return CASE_PASS;
}

/* chroot: the lookup errors before EPERM; then "/", "..", absolute link
 * targets and getcwd as the chrooted process sees them; fork keeps it. */
static int read_is(const char* path, const char* want) {
    char buf[16] = {0};
    return get_file(path, buf, sizeof buf - 1) == (long)strlen(want) && !strcmp(buf, want);
}

static int chroot_forked(void* arg) {
    (void)arg;
    return read_is("/f", "hi") && read_is("/../../f", "hi") ? 0 : 1;
}

static int chroot_as_user(void* arg) {
    (void)arg;
    if (syscall(SYS_setuid, 1000)) return 1;
    if (syscall(SYS_chroot, "/nonexistent") != -1 || errno != ENOENT) return 2;
    if (syscall(SYS_chroot, "/f") != -1 || errno != ENOTDIR) return 3;
    if (syscall(SYS_chroot, "/sub") != -1 || errno != EPERM) return 4;
    return 0;
}

static int chroot_child(void* arg) {
    (void)arg;
    if (syscall(SYS_chroot, "nonexistent") != -1 || errno != ENOENT) return 10;
    if (syscall(SYS_chroot, "jail/f") != -1 || errno != ENOTDIR) return 11;
    if (syscall(SYS_chroot, (void*)ADDR_HHDM) != -1 || errno != EFAULT) return 12;
    if (syscall(SYS_chroot, "") != -1 || errno != ENOENT) return 13;
    if (syscall(SYS_chroot, "jail/f/") != -1 || errno != ENOTDIR) return 14;
    if (syscall(SYS_chroot, "jail")) return 15;
    /* The working directory stays, outside the new root. */
    char cwd[4096];
    if (syscall(SYS_getcwd, cwd, sizeof cwd) < 0) return 16;
    if (strncmp(cwd, "(unreachable)/", 14) != 0) return 17;
    if (chdir("/")) return 18;
    if (syscall(SYS_getcwd, cwd, sizeof cwd) != 2 || strcmp(cwd, "/")) return 19;
    if (!read_is("/f", "hi") || !read_is("/../f", "hi") || !read_is("/sub/../../../f", "hi"))
        return 20;
    if (!read_is("/abs", "hi")) return 21;    /* an absolute target, from the new root */
    if (!read_is("sub/up", "hi")) return 22;  /* "../../f" from /sub stops at the root */
    struct stat st;
    if (stat("/jail", &st) != -1 || errno != ENOENT) return 23;
    if (chdir("/sub") || syscall(SYS_getcwd, cwd, sizeof cwd) < 0 || strcmp(cwd, "/sub")) return 24;
    int status = run_in_child(chroot_forked, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) return 25;
    status = run_in_child(chroot_as_user, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) return 30 + WEXITSTATUS(status);
    /* Root may chroot again, deeper. */
    if (syscall(SYS_chroot, "/sub")) return 26;
    if (lstat("/up", &st) || stat("/up", &st) != -1 || errno != ENOENT) return 27;
    return 0;
}

FS_CASE(more_chroot) {
    CHECK_OK(mkdir("jail", 0755));
    CHECK_OK(mkdir("jail/sub", 0755));
    CHECK_OK(put_file("jail/f", "hi", 2));
    CHECK_OK(symlink("/f", "jail/abs"));
    CHECK_OK(symlink("../../f", "jail/sub/up"));
    CHECK_EXITED(run_in_child(chroot_child, 0), 0);
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
    {"ptimer-cpu", ptimer_cpu},
    {"more-groups", more_groups},
    {"more-timerslack", more_timerslack},
    {"more-ioprio", more_ioprio},
    {"more-membarrier", more_membarrier},
    {"more-chroot", more_chroot},
    CASE_TABLE_END,
};
