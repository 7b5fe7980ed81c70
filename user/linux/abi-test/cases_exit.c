/* Exit statuses as wait reports them: exit codes 0-255 (only the low 8
 * bits of the argument survive), death by signal, stop and continue.
 * wait(2) macros decode the status word; the raw encoding is checked too:
 * code << 8 for an exit, the signal number (plus 0x80 with a core dump) for
 * a death, sig << 8 | 0x7f for a stop, 0xffff for a continue. */
#include "suite.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int exit_codes(void) {
    for (int code = 0; code < 256; ++code) {
        fflush(NULL);
        pid_t pid = fork();
        CHECK_OK(pid);
        if (pid == 0) _exit(code);
        int st = wait_status(pid);
        if (st != code << 8) return fail("exit(%d): status %#x, expected %#x", code, st, code << 8);
    }
    static const struct {
        int arg, code;
    } wrap[] = {{256, 0}, {-1, 255}, {1000, 1000 & 0xff}, {0x7fffffff, 255}};
    for (size_t i = 0; i < sizeof wrap / sizeof wrap[0]; ++i) {
        fflush(NULL);
        pid_t pid = fork();
        CHECK_OK(pid);
        if (pid == 0) _exit(wrap[i].arg);
        CHECK_EXITED(wait_status(pid), wrap[i].code);
    }
    /* The raw calls: exit (one thread) and exit_group. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) raw_syscall6(SYS_exit, 0x1ff, 0, 0, 0, 0, 0);
    CHECK_EXITED(wait_status(pid), 255);
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) raw_syscall6(SYS_exit_group, 77, 0, 0, 0, 0, 0);
    CHECK_EXITED(wait_status(pid), 77);
    /* Returning from main is exit(): atexit handlers and stdio flushing
     * are libc's, the status is the kernel's. */
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) exit(12);
    CHECK_EXITED(wait_status(pid), 12);
    return CASE_PASS;
}

static int die_by(void* arg) {
    int sig = (int)(long)arg;
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* so no core flag */
    if (sig == SIGSEGV) *(volatile int*)0 = 1;
    if (sig == SIGABRT) abort();
    raise(sig);
    for (;;) pause();
}

static int exit_signal_status(void) {
    static const int sigs[] = {SIGKILL, SIGTERM, SIGUSR1, SIGINT, SIGHUP, SIGALRM, SIGSEGV, SIGABRT, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; ++i) {
        int st = run_in_child(die_by, (void*)(long)sigs[i]);
        if (st != sigs[i])
            return fail("death by %s: status %#x (%s), expected %#x", signal_name(sigs[i]), st,
                        status_text(st), sigs[i]);
        CHECK(WIFSIGNALED(st) && !WIFEXITED(st) && WTERMSIG(st) == sigs[i] && !WCOREDUMP(st));
    }
    /* Killed from outside while blocked. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        for (;;) pause();
    }
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EQ(wait_status(pid), SIGKILL);
    /* Signals whose default is to be ignored do not end a process. */
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        raise(SIGCHLD);
        raise(SIGURG);
        raise(SIGWINCH);
        _exit(0);
    }
    CHECK_EXITED(wait_status(pid), 0);
    return CASE_PASS;
}

static int exit_stop_continue(void) {
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        for (;;) pause();
    }
    int st;
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
    CHECK_EQ(st, SIGSTOP << 8 | 0x7f);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    /* Already reported: WNOHANG finds nothing new. */
    CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
    CHECK_EQ(st, 0xffff);
    CHECK(WIFCONTINUED(st));
    /* waitid sees the same events as CLD_STOPPED / CLD_CONTINUED. */
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED));
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_OK(waitid(P_PID, pid, &si, WCONTINUED));
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EQ(wait_status(pid), SIGKILL);
    return CASE_PASS;
}

static void exit_on_signal(int sig) {
    _exit(sig == SIGCONT ? 7 : sig == SIGUSR1 ? 9 : sig == SIGTSTP ? 5 : 1);
}

/* A child that waits for signals, with `handler` as `sig`'s action (sig
 * 0: none changed). Returns once the child has set it up. */
static pid_t waiting_child(int sig, void (*handler)(int)) {
    int ready[2];
    if (pipe(ready)) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (sig) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = handler;
            sigaction(sig, &sa, NULL);
        }
        close(ready[0]);
        close(ready[1]);  /* the parent's read sees EOF: ready */
        for (;;) pause();
    }
    close(ready[1]);
    char c;
    while (read(ready[0], &c, 1) < 0 && errno == EINTR) {
    }
    close(ready[0]);
    return pid;
}

/* Waits until `pid` reports a stop, as waitpid(WUNTRACED) does. */
static int stopped_by(pid_t pid) {
    int st;
    if (waitpid(pid, &st, WUNTRACED) != pid) return -1;
    return WIFSTOPPED(st) ? WSTOPSIG(st) : -st;
}

static volatile sig_atomic_t g_chld_code, g_chld_status, g_chld_count;
static void on_chld(int sig, siginfo_t* si, void* uc) {
    (void)sig;
    (void)uc;
    g_chld_code = si->si_code;
    g_chld_status = si->si_status;
    ++g_chld_count;
}

/* Job control beyond the basics: SIGCONT continues even when ignored or
 * caught (then its handler runs), signals sent to a stopped process wait
 * (SIGTERM too: only SIGKILL ends it at once), SIGTSTP stops by default
 * and not with a handler,
 * the parent's SIGCHLD says CLD_STOPPED / CLD_CONTINUED unless
 * SA_NOCLDSTOP. */
static int exit_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
    int st;
    /* Caught SIGCONT: continued, then its handler runs (exit 7). */
    pid_t pid = waiting_child(SIGCONT, exit_on_signal);
    CHECK_OK(pid);
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(stopped_by(pid), SIGSTOP);
    CHECK_EQ(g_chld_code, CLD_STOPPED);
    CHECK_EQ(g_chld_status, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_EXITED(wait_status(pid), 7);
    /* Ignored SIGCONT continues too. */
    pid = waiting_child(SIGCONT, SIG_IGN);
    CHECK_OK(pid);
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(stopped_by(pid), SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
    CHECK(WIFCONTINUED(st));
    /* Linux sends this SIGCHLD once the child runs again: it may come
     * after the wait. */
    for (int i = 0; i < 100 && g_chld_code != CLD_CONTINUED; ++i) sleep_ms(10);
    CHECK_EQ(g_chld_code, CLD_CONTINUED);
    CHECK_EQ(g_chld_status, SIGCONT);
    /* A signal sent while stopped waits for the continue. */
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(stopped_by(pid), SIGSTOP);
    /* Even a fatal one: SIGTERM ends it only once it is continued. */
    CHECK_OK(kill(pid, SIGTERM));
    sleep_ms(50);
    CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_KILLED(wait_status(pid), SIGTERM);
    pid = waiting_child(SIGUSR1, exit_on_signal);
    CHECK_OK(pid);
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(stopped_by(pid), SIGSTOP);
    CHECK_OK(kill(pid, SIGUSR1));
    sleep_ms(50);
    CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK_EXITED(wait_status(pid), 9);
    /* SIGTSTP: stops by default, runs a handler when there is one. */
    pid = waiting_child(0, NULL);
    CHECK_OK(pid);
    CHECK_OK(kill(pid, SIGTSTP));
    CHECK_EQ(stopped_by(pid), SIGTSTP);
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_KILLED(wait_status(pid), SIGKILL);
    pid = waiting_child(SIGTSTP, exit_on_signal);
    CHECK_OK(pid);
    CHECK_OK(kill(pid, SIGTSTP));
    CHECK_EXITED(wait_status(pid), 5);
    /* SA_NOCLDSTOP: no SIGCHLD for a stop, the wait still sees it. */
    sa.sa_flags |= SA_NOCLDSTOP;
    CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
    g_chld_count = 0;
    pid = waiting_child(0, NULL);
    CHECK_OK(pid);
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(stopped_by(pid), SIGSTOP);
    sleep_ms(20);
    CHECK_EQ(g_chld_count, 0);
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_KILLED(wait_status(pid), SIGKILL);
    CHECK_EQ(g_chld_count, 1); /* the death is reported */
    CHECK_EQ(g_chld_code, CLD_KILLED);
    return CASE_PASS;
}

/* SA_NOCLDWAIT: the handler runs, but no zombie is left to wait for. */
static int exit_nocldwait(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
    CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(4);
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(g_chld_count, 1);
    CHECK_EQ(g_chld_code, CLD_EXITED);
    CHECK_EQ(g_chld_status, 4);
    CHECK_ERR(kill(pid, 0), ESRCH);
    /* Back to the default: zombies again. */
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(6);
    CHECK_EXITED(wait_status(pid), 6);
    return CASE_PASS;
}

static int g_hup_fd = -1;
static void report_hup(int sig) {
    (void)sig;
    char c = 'H';
    (void)write(g_hup_fd, &c, 1);
    _exit(0);
}

/* A process group that an exit leaves orphaned while a member is stopped:
 * every member gets SIGHUP, then SIGCONT (POSIX; Linux's
 * kill_orphaned_pgrp), since no job-control shell could continue it. */
static int exit_orphaned_stopped(void) {
    int p[2];
    CHECK_OK(pipe(p));
    fflush(NULL);
    pid_t leader = fork();
    CHECK_OK(leader);
    if (leader == 0) {
        setpgid(0, 0);
        pid_t member = fork();
        if (member < 0) _exit(2);
        if (member == 0) {
            g_hup_fd = p[1];
            signal(SIGHUP, report_hup);
            raise(SIGSTOP);
            for (;;) pause();
        }
        int st;
        if (waitpid(member, &st, WUNTRACED) != member || !WIFSTOPPED(st)) _exit(3);
        _exit(0); /* the group is orphaned now, with a stopped member */
    }
    close(p[1]);
    CHECK_EXITED(wait_status(leader), 0);
    struct pollfd pfd = {p[0], POLLIN, 0};
    CHECK_EQ(poll(&pfd, 1, 5000), 1);
    char c = 0;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'H');
    close(p[0]);
    return CASE_PASS;
}

CASE_TABLE(exit) = {
    {"exit-codes", exit_codes},
    {"exit-signal-status", exit_signal_status},
    {"exit-stop-continue", exit_stop_continue},
    {"exit-stop-signals", exit_stop_signals},
    {"exit-nocldwait", exit_nocldwait},
    {"exit-orphaned-stopped", exit_orphaned_stopped},
    CASE_TABLE_END,
};
