/* Interval timers and alarm: setitimer(2), getitimer(2), alarm(2).
 * ITIMER_REAL counts wall time and sends SIGALRM, ITIMER_VIRTUAL user CPU
 * time (SIGVTALRM), ITIMER_PROF user and system CPU time (SIGPROF); fork
 * clears the child's timers, execve keeps them. */
#include "suite.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile sig_atomic_t g_fired[65];
static volatile int g_code;

static void count_timer(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    ++g_fired[sig];
    g_code = si->si_code;
}

static int catch_timer(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = count_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    return sigaction(sig, &sa, NULL);
}

static long long tv_ns(struct timeval tv) {
    return (long long)tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
}

/* alarm returns the seconds the previous alarm had left, rounded to the
 * nearest second and never 0 while one was pending; SIGALRM ends the
 * process by default (a 50 ms timer: the case need not wait a second
 * twice). */
static int alarm_kills(void* arg) {
    (void)arg;
    signal(SIGALRM, SIG_DFL);
    struct itimerval soon = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &soon, NULL);
    sleep_ms(5000);
    return 1; /* not reached: SIGALRM ended the process */
}

static int sig_alarm(void) {
    CHECK_EQ(alarm(0), 0u);
    CHECK_EQ(alarm(5), 0u);
    CHECK_EQ(alarm(7), 5u);
    CHECK_EQ(alarm(0), 7u);
    /* 1.6 s left rounds to 2; 0.3 s left to 1 (not 0: one was pending). */
    struct itimerval it = {{0, 0}, {1, 600000}};
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_EQ(alarm(0), 2u);
    it.it_value.tv_sec = 0;
    it.it_value.tv_usec = 300000;
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_EQ(alarm(0), 1u);
    /* alarm is ITIMER_REAL: getitimer sees it. */
    alarm(10);
    CHECK_OK(getitimer(ITIMER_REAL, &it));
    CHECK(it.it_value.tv_sec == 9 || it.it_value.tv_sec == 10);
    CHECK(it.it_interval.tv_sec == 0 && it.it_interval.tv_usec == 0);
    alarm(0);
    /* It fires: SIGALRM, SI_KERNEL, once. */
    CHECK_OK(catch_timer(SIGALRM));
    long long start = now_ns();
    alarm(1);
    while (!g_fired[SIGALRM] && now_ns() - start < 5000000000LL) pause();
    CHECK_EQ(g_fired[SIGALRM], 1);
    CHECK_EQ(g_code, SI_KERNEL);
    CHECK(now_ns() - start >= 1000000000LL);
    CHECK_EQ(alarm(0), 0u);
    int st = run_in_child(alarm_kills, NULL);
    CHECK_KILLED(st, SIGALRM);
    return CASE_PASS;
}

static int sig_itimer_real(void) {
    struct itimerval it, old;
    /* Bad arguments: EINVAL, nothing armed. */
    memset(&it, 0, sizeof it);
    CHECK_ERR(setitimer(99, &it, NULL), EINVAL);
    CHECK_ERR(getitimer(99, &it), EINVAL);
    it.it_value.tv_usec = 1000000;
    CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
    it.it_value.tv_usec = -1;
    CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
    it.it_value.tv_usec = 0;
    it.it_value.tv_sec = -1;
    CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
    it.it_value.tv_sec = 0;
    it.it_interval.tv_usec = 1000000;
    CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
    CHECK_OK(getitimer(ITIMER_REAL, &old));
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
    /* getitimer counts down; the old value comes back from setitimer. */
    it.it_value.tv_sec = 3;
    it.it_value.tv_usec = 0;
    it.it_interval.tv_sec = 0;
    it.it_interval.tv_usec = 250000;
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    sleep_ms(20);
    CHECK_OK(getitimer(ITIMER_REAL, &old));
    long long left = tv_ns(old.it_value);
    if (left >= 3000000000LL - 15000000LL || left < 2000000000LL)
        return fail("3 s timer after 20 ms: %lld ns left", left);
    CHECK_EQ(old.it_interval.tv_usec, 250000);
    memset(&it, 0, sizeof it);
    CHECK_OK(setitimer(ITIMER_REAL, &it, &old));
    CHECK(tv_ns(old.it_value) > 0 && tv_ns(old.it_value) <= left);
    CHECK_OK(getitimer(ITIMER_REAL, &old));
    CHECK(tv_ns(old.it_value) == 0 && tv_ns(old.it_interval) == 0);
    /* A periodic timer fires again and again, never early. */
    CHECK_OK(catch_timer(SIGALRM));
    it.it_value.tv_usec = 20000;
    it.it_interval.tv_usec = 20000;
    long long start = now_ns();
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    while (g_fired[SIGALRM] < 4 && now_ns() - start < 5000000000LL) pause();
    long long took = now_ns() - start;
    memset(&it, 0, sizeof it);
    CHECK_OK(setitimer(ITIMER_REAL, &it, &old));
    CHECK_EQ(old.it_interval.tv_usec, 20000);
    if (g_fired[SIGALRM] < 4 || took < 80000000LL)
        return fail("20 ms periodic timer: %d signals in %lld ns", (int)g_fired[SIGALRM], took);
    CHECK_EQ(g_code, SI_KERNEL);
    /* Disarmed: nothing more comes. */
    int seen = g_fired[SIGALRM];
    sleep_ms(60);
    CHECK_EQ(g_fired[SIGALRM], seen);
    /* A NULL new value disarms, as Linux allows. */
    it.it_value.tv_sec = 5;
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_OK(syscall(SYS_setitimer, ITIMER_REAL, NULL, &old));
    CHECK(old.it_value.tv_sec == 4 || old.it_value.tv_sec == 5);
    CHECK_OK(getitimer(ITIMER_REAL, &old));
    CHECK(tv_ns(old.it_value) == 0);
    /* Bad pointers: EFAULT (the new value is read before anything changes). */
    CHECK_ERR(syscall(SYS_setitimer, ITIMER_REAL, (void*)ADDR_HHDM, NULL), EFAULT);
    CHECK_ERR(syscall(SYS_getitimer, ITIMER_REAL, (void*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_OK(getitimer(ITIMER_REAL, &old));
    CHECK(tv_ns(old.it_value) == 0);
    return CASE_PASS;
}

/* Spins until `sig` has come `n` times or `limit_ms` of wall time pass. */
static void spin_until(int sig, int n, long limit_ms) {
    long long start = now_ns();
    while (g_fired[sig] < n && now_ns() - start < limit_ms * 1000000LL) {
    }
}

static int sig_itimer_cpu(void) {
    CHECK_OK(catch_timer(SIGVTALRM));
    CHECK_OK(catch_timer(SIGPROF));
    struct itimerval it, now;
    memset(&it, 0, sizeof it);
    it.it_value.tv_usec = 30000;
    CHECK_OK(setitimer(ITIMER_VIRTUAL, &it, NULL));
    CHECK_OK(getitimer(ITIMER_VIRTUAL, &now));
    CHECK(tv_ns(now.it_value) > 0 && tv_ns(now.it_value) <= 31000000LL + 10000000LL);
    /* Sleeping uses no CPU time: the virtual timer does not fire. */
    sleep_ms(60);
    CHECK_EQ(g_fired[SIGVTALRM], 0);
    spin_until(SIGVTALRM, 1, 5000);
    CHECK_EQ(g_fired[SIGVTALRM], 1);
    CHECK_EQ(g_code, SI_KERNEL);
    CHECK_OK(getitimer(ITIMER_VIRTUAL, &now));
    CHECK(tv_ns(now.it_value) == 0);
    /* ITIMER_PROF, periodic. */
    it.it_value.tv_usec = 10000;
    it.it_interval.tv_usec = 10000;
    CHECK_OK(setitimer(ITIMER_PROF, &it, NULL));
    spin_until(SIGPROF, 3, 5000);
    memset(&it, 0, sizeof it);
    CHECK_OK(setitimer(ITIMER_PROF, &it, &now));
    CHECK(g_fired[SIGPROF] >= 3);
    CHECK_EQ(now.it_interval.tv_usec, 10000);
    /* By default SIGVTALRM ends the process. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        signal(SIGVTALRM, SIG_DFL);
        struct itimerval v = {{0, 0}, {0, 5000}};
        setitimer(ITIMER_VIRTUAL, &v, NULL);
        for (;;) {
        }
    }
    CHECK_KILLED(wait_status(pid), SIGVTALRM);
    return CASE_PASS;
}

/* fork: the child starts with no timer; execve keeps the caller's. */
static int sig_itimer_fork_exec(void) {
    struct itimerval it = {{0, 0}, {30, 0}}, now;
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        getitimer(ITIMER_REAL, &now);
        _exit(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 ? 0 : 1);
    }
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_OK(getitimer(ITIMER_REAL, &now));
    CHECK(now.it_value.tv_sec >= 29);
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        struct itimerval mine = {{0, 0}, {20, 0}};
        setitimer(ITIMER_REAL, &mine, NULL);
        char* argv[] = {(char*)g_self, (char*)"--child", (char*)"check-itimer", NULL};
        execve(g_self, argv, environ);
        _exit(127);
    }
    CHECK_EXITED(wait_status(pid), 0);
    it.it_value.tv_sec = 0;
    CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
    return CASE_PASS;
}

CASE_TABLE(timer) = {
    {"sig-alarm", sig_alarm},
    {"sig-itimer-real", sig_itimer_real},
    {"sig-itimer-cpu", sig_itimer_cpu},
    {"sig-itimer-fork-exec", sig_itimer_fork_exec},
    CASE_TABLE_END,
};
