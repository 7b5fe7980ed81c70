/* Exit statuses as wait reports them: exit codes 0-255 (only the low 8
 * bits of the argument survive), death by signal, stop and continue.
 * wait(2) macros decode the status word; the raw encoding is checked too:
 * code << 8 for an exit, the signal number (plus 0x80 with a core dump) for
 * a death, sig << 8 | 0x7f for a stop, 0xffff for a continue. */
#include "suite.h"

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

CASE_TABLE(exit) = {
    {"exit-codes", exit_codes},
    {"exit-signal-status", exit_signal_status},
    {"exit-stop-continue", exit_stop_continue},
    CASE_TABLE_END,
};
