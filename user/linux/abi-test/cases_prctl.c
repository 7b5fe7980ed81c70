/* prctl(2)'s process settings (name, parent-death signal, child subreaper,
 * dumpable, keep-caps, no-new-privs) and reboot(2)'s checks (without
 * taking the machine down). */
#include "suite.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>

#define NAME_MAX_COMM 16
/* linux/reboot.h's magic numbers (musl's headers do not have them). */
#define LINUX_REBOOT_MAGIC1 0xfee1deadu
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_MAGIC2C 537993216

static int prctl_name(void) {
    char name[NAME_MAX_COMM];
    CHECK_OK(prctl(PR_SET_NAME, "a-name-longer-than-fifteen"));
    memset(name, 'x', sizeof name);
    CHECK_OK(prctl(PR_GET_NAME, name));
    /* prctl(2): "If the length of the string, including the terminating
     * null byte, exceeds 16 bytes, the string is silently truncated." */
    CHECK(strcmp(name, "a-name-longer-t") == 0);
    char comm[64] = {0};
    int fd = open("/proc/self/comm", O_RDONLY);
    CHECK_OK(fd);
    CHECK(read(fd, comm, sizeof comm - 1) > 0);
    close(fd);
    CHECK(strcmp(comm, "a-name-longer-t\n") == 0);
    CHECK_OK(prctl(PR_SET_NAME, "short"));
    CHECK_OK(prctl(PR_GET_NAME, name));
    CHECK(strcmp(name, "short") == 0);
    CHECK_ERR(prctl(PR_SET_NAME, (char*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_ERR(prctl(PR_GET_NAME, (char*)ADDR_HHDM), EFAULT);
    return CASE_PASS;
}

static volatile sig_atomic_t g_death_from;

static void note_sender(int sig, siginfo_t* info, void* context) {
    (void)sig, (void)context;
    g_death_from = info->si_pid;
}

/* The parent-death signal arrives when the parent ends, from the parent;
 * fork clears it and a change of effective ID does too. */
static int prctl_pdeathsig(void) {
    int value = -1;
    CHECK_OK(prctl(PR_GET_PDEATHSIG, &value));
    CHECK_EQ(value, 0);
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, 65), EINVAL);
    CHECK_ERR(prctl(PR_GET_PDEATHSIG, (int*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR2));
    CHECK_OK(prctl(PR_GET_PDEATHSIG, &value));
    CHECK_EQ(value, SIGUSR2);

    int report[2];
    CHECK_OK(pipe(report));
    pid_t middle = fork();
    CHECK_OK(middle);
    if (middle == 0) {
        int inherited = -1;
        prctl(PR_GET_PDEATHSIG, &inherited);
        if (inherited != 0) _exit(20);
        pid_t grandchild = fork();
        if (grandchild < 0) _exit(21);
        if (grandchild == 0) {
            sigset_t usr1;
            sigemptyset(&usr1);
            sigaddset(&usr1, SIGUSR1);
            sigprocmask(SIG_BLOCK, &usr1, 0);
            struct sigaction sa = {0};
            sa.sa_sigaction = note_sender;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGUSR1, &sa, 0);
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            pid_t parent = getppid();
            if (write(report[1], "r", 1) != 1) _exit(22);
            sigset_t none;
            sigemptyset(&none);
            while (!g_death_from) sigsuspend(&none);
            int ok = g_death_from == parent && getppid() != parent;
            char verdict = ok ? 'y' : 'n';
            if (write(report[1], &verdict, 1) != 1) _exit(23);
            _exit(0);
        }
        char ready;
        if (read(report[0], &ready, 1) != 1) _exit(24);
        _exit(0); /* the grandchild's parent ends here */
    }
    close(report[1]);
    int status;
    CHECK_EQ(waitpid(middle, &status, 0), middle);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The middle process took the grandchild's "ready"; what is left is
     * its verdict. */
    char verdict;
    CHECK_EQ(read(report[0], &verdict, 1), 1);
    CHECK_EQ(verdict, 'y');
    close(report[0]);

    if (geteuid() == 0) {
        pid_t dropper = fork();
        CHECK_OK(dropper);
        if (dropper == 0) {
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            if (prctl(PR_GET_DUMPABLE) != 1) _exit(30);
            if (setresuid(0, 1000, 0) != 0) _exit(31);
            int after = -1;
            prctl(PR_GET_PDEATHSIG, &after);
            /* commit_creds: a new effective ID clears the signal and the
             * dumpable flag (fs.suid_dumpable 0). */
            _exit(after == 0 && prctl(PR_GET_DUMPABLE) == 0 ? 0 : 32);
        }
        CHECK_EQ(waitpid(dropper, &status, 0), dropper);
        CHECK(WIFEXITED(status));
        CHECK_EQ(WEXITSTATUS(status), 0);
    }
    return CASE_PASS;
}

/* A subreaper inherits its orphaned descendants (their getppid says so and
 * it reaps them), and gets SIGCHLD for one that was a zombie already. */
static int prctl_subreaper(void) {
    int value = -1;
    CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &value));
    CHECK_EQ(value, 0);
    CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
    CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &value));
    CHECK_EQ(value, 1);

    /* A living orphan. */
    int report[2];
    CHECK_OK(pipe(report));
    pid_t middle = fork();
    CHECK_OK(middle);
    if (middle == 0) {
        pid_t first = getpid();
        pid_t orphan = fork();
        if (orphan < 0) _exit(21);
        if (orphan == 0) {
            while (getppid() == first) usleep(1000);
            pid_t now = getppid();
            if (write(report[1], &now, sizeof now) != sizeof now) _exit(22);
            _exit(7);
        }
        if (write(report[1], &orphan, sizeof orphan) != sizeof orphan) _exit(23);
        _exit(0);
    }
    close(report[1]);
    pid_t orphan, adopter;
    CHECK_EQ(read(report[0], &orphan, sizeof orphan), sizeof orphan);
    int status;
    CHECK_EQ(waitpid(middle, &status, 0), middle);
    CHECK_EQ(read(report[0], &adopter, sizeof adopter), sizeof adopter);
    CHECK_EQ(adopter, getpid());
    CHECK_EQ(waitpid(orphan, &status, 0), orphan);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    close(report[0]);

    /* A zombie orphan, two generations down: its parent (our grandchild)
     * ends without reaping it, while our child lives on, so the only
     * SIGCHLD we can get is the one for the zombie we inherit. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    CHECK_OK(sigprocmask(SIG_BLOCK, &chld, 0));
    int up[2], down[2];
    CHECK_OK(pipe(up));
    CHECK_OK(pipe(down));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild < 0) _exit(20);
        if (grandchild == 0) {
            pid_t early = fork();
            if (early < 0) _exit(21);
            if (early == 0) _exit(9);
            siginfo_t info;
            if (waitid(P_PID, early, &info, WEXITED | WNOWAIT) != 0) _exit(22);
            if (write(up[1], &early, sizeof early) != sizeof early) _exit(23);
            _exit(0); /* `early` passes on as a zombie */
        }
        if (waitpid(grandchild, &status, 0) != grandchild) _exit(24);
        char go;
        if (read(down[0], &go, 1) != 1) _exit(25);
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    pid_t early;
    CHECK_EQ(read(up[0], &early, sizeof early), sizeof early);
    struct timespec limit = {10, 0};
    siginfo_t info;
    CHECK_EQ(sigtimedwait(&chld, &info, &limit), SIGCHLD);
    CHECK_EQ(info.si_pid, early);
    CHECK_EQ(info.si_code, CLD_EXITED);
    CHECK_EQ(info.si_status, 9);
    CHECK_EQ(waitpid(early, &status, 0), early);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);
    CHECK_EQ(write(down[1], "g", 1), 1);
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_ERR(waitpid(-1, &status, WNOHANG), ECHILD);
    CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 0));
    CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &value));
    CHECK_EQ(value, 0);
    return CASE_PASS;
}

/* The flags and their argument checks (prctl(2) EINVAL cases). */
static int prctl_flags(void) {
    CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
    CHECK_ERR(prctl(PR_SET_DUMPABLE, 2), EINVAL);
    CHECK_OK(prctl(PR_SET_DUMPABLE, 0));
    CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
    CHECK_OK(prctl(PR_SET_DUMPABLE, 1));

    CHECK_EQ(prctl(PR_GET_KEEPCAPS), 0);
    CHECK_ERR(prctl(PR_SET_KEEPCAPS, 2), EINVAL);
    CHECK_OK(prctl(PR_SET_KEEPCAPS, 1));
    CHECK_EQ(prctl(PR_GET_KEEPCAPS), 1);

    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
    CHECK_ERR(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
    CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);

    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        /* Inherited by fork; keep-caps too, until an execve. */
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 && prctl(PR_GET_KEEPCAPS) == 1 ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    CHECK_EQ(prctl(PR_GET_SECCOMP), 0);
    CHECK_EQ(prctl(PR_CAPBSET_READ, 0), 1);
    CHECK_ERR(prctl(PR_CAPBSET_READ, 4096), EINVAL);
    CHECK_ERR(prctl(0x7fff0000), EINVAL);
    return CASE_PASS;
}

/* reboot(2)'s refusals, in Linux's order: EPERM without CAP_SYS_BOOT before
 * the magic is looked at, then EINVAL for bad magic or command. */
static int reboot_checks(void) {
    if (geteuid() != 0) return skip("needs root");
    CHECK_ERR(syscall(SYS_reboot, 0x12345678, LINUX_REBOOT_MAGIC2, RB_DISABLE_CAD, 0), EINVAL);
    CHECK_ERR(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 12345, RB_DISABLE_CAD, 0), EINVAL);
    CHECK_ERR(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x1234, 0), EINVAL);
    /* Ctrl-Alt-Del goes to init (the default): harmless to set. */
    CHECK_OK(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2C, RB_DISABLE_CAD, 0));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        if (setuid(1000) != 0) _exit(10);
        long r = syscall(SYS_reboot, 0x12345678, 0, RB_POWER_OFF, 0);
        _exit(r == -1 && errno == EPERM ? 0 : 11);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    return CASE_PASS;
}

/* Nice values (setpriority(2), getpriority(2)) and the scheduling policy
 * queries (sched(7)). */
static int sched_nice(void) {
    errno = 0;
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 0);
    CHECK_EQ(errno, 0);
    CHECK_EQ(syscall(SYS_getpriority, PRIO_PROCESS, 0), 20); /* the raw call: 20 - nice */
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 5));
    CHECK_EQ(getpriority(PRIO_PROCESS, getpid()), 5);
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 100)); /* clamped */
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 3));
    CHECK_ERR(setpriority(3, 0, 0), EINVAL);
    CHECK_ERR(getpriority(-1, 0), EINVAL);
    CHECK_ERR(getpriority(PRIO_PROCESS, 0x3fffff0), ESRCH);
    CHECK_ERR(setpriority(PRIO_PGRP, 0x3fffff0, 1), ESRCH);

    char stat[512] = {0};
    int fd = open("/proc/self/stat", O_RDONLY);
    CHECK_OK(fd);
    CHECK(read(fd, stat, sizeof stat - 1) > 0);
    close(fd);
    /* Fields 18 and 19: the priority (20 + nice for SCHED_OTHER), nice. */
    const char* p = strrchr(stat, ')');
    CHECK(p != 0);
    int field = 2;
    long values[20] = {0};
    for (p += 2; *p && field < 19; ++field) {
        values[field + 1] = strtol(p, 0, 10);
        p = strchr(p, ' ');
        if (!p) break;
        ++p;
    }
    CHECK_EQ(values[18], 23);
    CHECK_EQ(values[19], 3);

    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        /* Inherited; an unprivileged process cannot lower it (RLIMIT_NICE
         * 0) and cannot touch another user's process. */
        if (getpriority(PRIO_PROCESS, 0) != 3) _exit(10);
        if (setresuid(1000, 1000, 1000) != 0) _exit(11);
        if (setpriority(PRIO_PROCESS, 0, 2) != -1 || errno != EACCES) _exit(12);
        if (setpriority(PRIO_PROCESS, 0, 7) != 0) _exit(13);
        if (setpriority(PRIO_PROCESS, getppid(), 7) != -1 || errno != EPERM) _exit(14);
        if (getpriority(PRIO_USER, 0) != 7) _exit(15);
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK_OK(setpriority(PRIO_PGRP, 0, 1));
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 1);

    /* musl answers ENOSYS for these itself (per-thread, not POSIX's):
     * the raw calls. */
    CHECK_EQ(syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
    CHECK_ERR(syscall(SYS_sched_getscheduler, -1), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getscheduler, 0x3fffff0), ESRCH);
    struct sched_param param = {.sched_priority = 7};
    CHECK_OK(syscall(SYS_sched_getparam, 0, &param));
    CHECK_EQ(param.sched_priority, 0);
    CHECK_ERR(syscall(SYS_sched_getparam, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_sched_getparam, 0, ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_EQ(sched_get_priority_max(SCHED_FIFO), 99);
    CHECK_EQ(sched_get_priority_min(SCHED_RR), 1);
    CHECK_EQ(sched_get_priority_max(SCHED_OTHER), 0);
    CHECK_EQ(sched_get_priority_min(SCHED_BATCH), 0);
    CHECK_ERR(sched_get_priority_max(4), EINVAL);
    return CASE_PASS;
}

/* syslog(2) (klogctl): the kernel log's actions and checks. */
static int syslog_read_all(void) {
    if (geteuid() != 0) return skip("needs root (CAP_SYSLOG)");
    long size = syscall(SYS_syslog, 10, 0, 0); /* SYSLOG_ACTION_SIZE_BUFFER */
    CHECK(size >= 4096);
    char* text = malloc(size);
    CHECK(text != 0);
    long n = syscall(SYS_syslog, 3, text, size); /* SYSLOG_ACTION_READ_ALL */
    CHECK(n > 0 && n <= size);
    /* Records as "<level>[seconds.micros] text\n". */
    CHECK(text[0] == '<');
    CHECK(memchr(text, ']', n) != 0);
    CHECK(text[n - 1] == '\n');
    /* A small buffer gets the newest whole records only. */
    char small[200];
    long m = syscall(SYS_syslog, 3, small, sizeof small);
    CHECK(m > 0 && m <= (long)sizeof small);
    CHECK(small[0] == '<');
    CHECK(small[m - 1] == '\n');
    free(text);
    CHECK_EQ(syscall(SYS_syslog, 3, small, 0), 0);
    CHECK_ERR(syscall(SYS_syslog, 3, 0, 10), EINVAL);
    CHECK_ERR(syscall(SYS_syslog, 3, small, -1), EINVAL);
    CHECK_ERR(syscall(SYS_syslog, 3, ADDR_UNMAPPED_LOW, 100), EFAULT);
    CHECK_ERR(syscall(SYS_syslog, 8, 0, 9), EINVAL); /* console level 1..8 */
    CHECK_ERR(syscall(SYS_syslog, 99, 0, 0), EINVAL);
    CHECK(syscall(SYS_syslog, 9, 0, 0) >= 0); /* SIZE_UNREAD */
    CHECK_EQ(syscall(SYS_syslog, 0, 0, 0), 0);

    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        if (setuid(1000) != 0) _exit(10);
        char b[16];
        /* Debian's kernel.dmesg_restrict 1: nothing without CAP_SYSLOG,
         * not even a bad action's EINVAL. */
        if (syscall(SYS_syslog, 3, b, sizeof b) != -1 || errno != EPERM) _exit(11);
        if (syscall(SYS_syslog, 10, 0, 0) != -1 || errno != EPERM) _exit(12);
        if (syscall(SYS_syslog, 99, 0, 0) != -1 || errno != EPERM) _exit(13);
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    return CASE_PASS;
}

CASE_TABLE(prctl) = {
    {"prctl-name", prctl_name},
    {"prctl-pdeathsig", prctl_pdeathsig},
    {"prctl-subreaper", prctl_subreaper},
    {"prctl-flags", prctl_flags},
    {"reboot-checks", reboot_checks},
    {"sched-nice", sched_nice},
    {"syslog-read-all", syslog_read_all},
    CASE_TABLE_END,
};
