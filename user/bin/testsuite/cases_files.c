/* Descriptors across exec: a NyanOS child starts with a copy of its
 * parent's descriptor table (CONTRACT.md: "fds are inherited from the
 * parent"), whose entries share the parent's open file descriptions. */
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

/* fd-inheritance: the parent opens /bin/true (fd F) and /dev/null (fd N),
 * reads 4 bytes of F, then starts `--child fd-inherit F N`, which must find
 * both open: F's next read continues where the parent's stopped (one shared
 * offset), N takes writes, fds 0-2 are the console's. The child closes F;
 * the parent's F must stay open and continue where the child stopped. */
static int fd_inheritance(int argc, char** argv) {
    (void)argc, (void)argv;
    unsigned char expected[12], got[4];
    int check = open("/bin/true", O_RDONLY);
    if (check < 0) return fail("open /bin/true: %s", strerrorname_np(errno));
    if (read(check, expected, sizeof expected) != (long)sizeof expected)
        return fail("read the first 12 bytes of /bin/true");
    close(check);

    int f = open("/bin/true", O_RDONLY);
    int n = open("/dev/null", O_RDONLY);
    if (f < 3 || n < 3) return fail("open: f=%d n=%d (0-2 are the console's)", f, n);
    if (read(f, got, 4) != 4 || memcmp(got, expected, 4)) return fail("parent's first read");

    char fa[16], na[16];
    snprintf(fa, sizeof fa, "%d", f);
    snprintf(na, sizeof na, "%d", n);
    char* child[] = {(char*)SELF, (char*)"--child", (char*)"fd-inherit", fa, na, NULL};
    long status = run_and_wait(SELF, child);
    if (status < 0) return fail("exec child: %s", strerrorname_np((int)-status));
    if (status != NYAN_W_EXITCODE(0)) return fail("child: status %#lx (see its # lines)", status);

    /* The child read bytes 4..8 through the shared description. */
    long r = read(f, got, 4);
    if (r != 4 || memcmp(got, expected + 8, 4))
        return fail("parent's read after the child's = %ld, not bytes 8..12 (offset not shared?)",
                    r);
    if (write(n, "x", 1) != 1)
        fail("the parent's /dev/null is gone after the child closed its own");
    close(f);
    close(n);
    /* A closed descriptor is not inherited. */
    char* closed[] = {(char*)SELF, (char*)"--child", (char*)"fd-closed", fa, NULL};
    status = run_and_wait(SELF, closed);
    if (status != NYAN_W_EXITCODE(0)) return fail("fd-closed child: status %#lx", status);
    return 0;
}

/* The child half: argv = fd-inherit F N. */
int fd_inherit_child(int argc, char** argv) {
    if (argc < 3) return 2;
    int f = atoi(argv[1]), n = atoi(argv[2]);
    unsigned char expected[8], got[4];
    int check = open("/bin/true", O_RDONLY);
    if (check < 0 || read(check, expected, 8) != 8) return printf("# child: reopen\n"), 3;
    close(check);
    long r = read(f, got, 4);
    if (r != 4 || memcmp(got, expected + 4, 4))
        return printf("# child: read(inherited fd %d) = %ld, not bytes 4..8\n", f, r), 4;
    r = write(n, "inherited", 9);
    if (r != 9) return printf("# child: write(inherited /dev/null fd %d) = %ld\n", n, r), 5;
    /* 0, 1 and 2 are open (a zero-length call checks the descriptor only). */
    if (SC(SYS_READ, 0, got, 0) != 0) return printf("# child: fd 0 is not open for reading\n"), 6;
    if (SC(SYS_WRITE, 1, got, 0) != 0) return printf("# child: fd 1 is not open\n"), 7;
    if (SC(SYS_WRITE, 2, got, 0) != 0) return printf("# child: fd 2 is not open\n"), 8;
    if (SC(SYS_READ, 1, got, 1) != -EBADF) return printf("# child: fd 1 is readable\n"), 9;
    if (close(f) != 0) return printf("# child: close(%d)\n", f), 10;
    if (SC(SYS_READ, f, got, 1) != -EBADF) return printf("# child: fd %d still open\n", f), 11;
    return 0;
}

/* argv = fd-closed F: F was closed by the parent before the exec. */
int fd_closed_child(int argc, char** argv) {
    if (argc < 2) return 2;
    char c;
    long r = SC(SYS_READ, atoi(argv[1]), &c, 1);
    if (r != -EBADF) return printf("# child: read(closed fd %s) = %ld\n", argv[1], r), 3;
    return 0;
}

#define PROBE "/bin/linux-raw-fs-probe"

/* linux-file-calls: the Linux personality's file calls, checked from a
 * Linux program (user/linux-raw/fs-probe.c: pipes, poll, select, dup*,
 * fcntl, open/openat/stat/access on the read-only tree, getdents64, the
 * working directory, /proc/self/exe, the devices, the console's ioctls,
 * EMFILE). It exits with the number of the check that failed. */
static int linux_file_calls(int argc, char** argv) {
    (void)argc, (void)argv;
    char* probe[] = {(char*)PROBE, NULL};
    long status = run_and_wait(PROBE, probe);
    if (status < 0) return fail("exec %s: %s", PROBE, strerrorname_np((int)-status));
    if (status != NYAN_W_EXITCODE(0))
        return fail(
            "%s: %s %ld (its # line says which check)", PROBE,
            NYAN_WIFEXITED(status) ? "check" : "killed by signal",
            NYAN_WIFEXITED(status) ? (long)NYAN_WEXITSTATUS(status) : (long)NYAN_WTERMSIG(status));
    return 0;
}

/* linux-fd-inheritance: one descriptor model for both personalities: a
 * Linux child of a NyanOS parent reads on where the parent's read of an
 * inherited descriptor stopped, and finds the console on 0-2. */
static int linux_fd_inheritance(int argc, char** argv) {
    (void)argc, (void)argv;
    int f = open("/bin/true", O_RDONLY);
    unsigned char four[4];
    if (f < 0 || read(f, four, 4) != 4) return fail("open and read /bin/true");
    char fa[16];
    snprintf(fa, sizeof fa, "%d", f);
    char* probe[] = {(char*)PROBE, (char*)"inherited", fa, NULL};
    long status = run_and_wait(PROBE, probe);
    close(f);
    if (status != NYAN_W_EXITCODE(0)) return fail("%s inherited %d: status %#lx", PROBE, f, status);
    return 0;
}

/* linux-sigpipe: a Linux program writing to a pipe without readers dies of
 * SIGPIPE (its default action); with SIGPIPE ignored it sees EPIPE. */
static int linux_sigpipe(int argc, char** argv) {
    (void)argc, (void)argv;
    char* dies[] = {(char*)PROBE, (char*)"sigpipe", NULL};
    long status = run_and_wait(PROBE, dies);
    if (!(status >= 0 && NYAN_WIFSIGNALED(status) && NYAN_WTERMSIG(status) == 13))
        fail("%s sigpipe: status %#lx, expected killed by SIGPIPE (13)", PROBE, status);
    char* ignores[] = {(char*)PROBE, (char*)"sigpipe-ignored", NULL};
    status = run_and_wait(PROBE, ignores);
    if (status != NYAN_W_EXITCODE(0))
        fail("%s sigpipe-ignored: status %#lx, expected exit 0 (EPIPE)", PROBE, status);
    return g_failures ? 1 : 0;
}

/* linux-exec-cloexec: Linux's execve closes the FD_CLOEXEC descriptors at
 * its commit (set by O_CLOEXEC, F_SETFD and F_DUPFD_CLOEXEC) and keeps the
 * rest, their offsets included. */
static int linux_exec_cloexec(int argc, char** argv) {
    (void)argc, (void)argv;
    char* probe[] = {(char*)PROBE, (char*)"exec-cloexec", NULL};
    long status = run_and_wait(PROBE, probe);
    if (status != NYAN_W_EXITCODE(0)) return fail("%s exec-cloexec: status %#lx", PROBE, status);
    return 0;
}

/* The state process_list reports for `pid` (-1: no such process). */
static int state_of(long pid) {
    static struct nyan_process_info info[64];
    long n = SC(SYS_PROCESS_LIST, info, 64, 0);
    for (long i = 0; i < n; ++i)
        if (info[i].pid == pid) return info[i].state;
    return -1;
}

/* linux-blocked-kill: a Linux program blocked in a pipe read, a pipe write
 * or a poll is ended by a kill (the wait returns, the call unwinds and
 * drops its references, the kill takes effect on the way out); the suite's
 * frame count then shows nothing of the pipe was kept. */
static int linux_blocked_kill(int argc, char** argv) {
    (void)argc, (void)argv;
    static const char* const modes[] = {"block-read", "block-write", "block-poll"};
    for (int i = 0; i < 3; ++i) {
        char* probe[] = {(char*)PROBE, (char*)modes[i], NULL};
        long pid = SC(SYS_EXEC, PROBE, probe, 0);
        if (pid < 0) return fail("exec %s %s: %s", PROBE, modes[i], strerrorname_np((int)-pid));
        int blocked = 0;
        for (int t = 0; t < 2000 && !blocked; ++t) {
            blocked = state_of(pid) == 2;
            if (!blocked) sleep(1);
        }
        SC(SYS_KILL, pid, 0, 0);
        int status = 0;
        if (SC(SYS_WAITPID, pid, &status, 0) != pid) return fail("waitpid(%s)", modes[i]);
        if (!blocked) fail("%s: never seen blocked", modes[i]);
        if (!(NYAN_WIFSIGNALED(status) && NYAN_WTERMSIG(status) == NYAN_SIGKILL))
            fail("%s: status %#x, expected SIGKILL", modes[i], status);
    }
    return g_failures ? 1 : 0;
}

/* linux-abi-file-cases: linux-abi-test's file-descriptor, pipe and
 * bad-pointer cases that need no fork (the Linux personality has none yet),
 * each run alone in a process of its own (--case NAME --no-fork): a musl
 * program through its C library, with Linux as the specification.
 * (efault-fd-calls waits for futex: its file calls pass, its futex call
 * gets ENOSYS.) */
static int linux_abi_file_cases(int argc, char** argv) {
    (void)argc, (void)argv;
    static const char* const cases[] = {
        "fd-dup-family",
        "fd-fcntl",
        "fd-ebadf",
        "fd-readv-writev",
        "fd-pread-pipe-espipe",
        "fd-ioctl-enotty",
        "fd-dev-null",
        "fd-dev-zero",
        "fd-dev-urandom",
        "fd-getdents64",
        "fd-fstat-empty-path",
        "fd-cwd",
        "fd-access",
        "fd-readlink-proc-self-exe",
        "pipe-epipe",
        "pipe-nonblock-eagain",
        "pipe-espipe",
        "efault-read-write",
        "efault-pipe",
        "efault-paths",
    };
    const char* test = "/bin/linux-abi-test";
    int skipped = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char* args[] = {(char*)test, (char*)"--case", (char*)cases[i], (char*)"--no-fork", NULL};
        long pid = SC(SYS_EXEC, test, args, 0);
        if (pid < 0) return fail("exec %s: %s", test, strerrorname_np((int)-pid));
        /* A case that blocks for good (a read that should have failed) is
         * killed after 20 s of guest time. */
        int raw = 0;
        long status = -1;
        for (unsigned long until = get_time() + 20000;;) {
            long r = SC(SYS_WAITPID, pid, &raw, NYAN_WNOHANG);
            if (r == pid) {
                status = raw;
                break;
            }
            if (r < 0 || get_time() > until) {
                SC(SYS_KILL, pid, 0, 0);
                SC(SYS_WAITPID, pid, &raw, 0);
                fail("linux-abi-test %s: still running after 20 s (killed)", cases[i]);
                break;
            }
            sleep(5);
        }
        if (status < 0) continue;
        if (status == NYAN_W_EXITCODE(77)) {
            ++skipped;
        } else if (status != NYAN_W_EXITCODE(0)) {
            fail("linux-abi-test %s: status %#lx", cases[i], status);
        }
    }
    if (skipped) printf("# %d of the cases skipped themselves\n", skipped);
    return g_failures ? 1 : 0;
}

struct named_case {
    const char* name;
    case_fn fn;
};

extern const struct named_case g_file_cases[];
const struct named_case g_file_cases[] = {
    {"fd-inheritance", fd_inheritance},
    {"linux-file-calls", linux_file_calls},
    {"linux-fd-inheritance", linux_fd_inheritance},
    {"linux-sigpipe", linux_sigpipe},
    {"linux-exec-cloexec", linux_exec_cloexec},
    {"linux-blocked-kill", linux_blocked_kill},
    {"linux-abi-file-cases", linux_abi_file_cases},
    {NULL, NULL},
};
