/* execve: what arrives in the new image, and every way it fails. */
#include "suite.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

extern char** environ;

/* An environment that makes a wrongly successful exec of g_self harmless:
 * main() exits 99 at once when it sees it (outside --child). */
static char* const g_guard_env[] = {(char*)"LINUX_ABI_TEST_NO_SUITE=1", NULL};

/* fork + execve(path, argv, envp) + wait. */
static int exec_and_wait(const char* path, char* const argv[], char* const envp[]) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(120 + (errno & 7));
    }
    return wait_status(pid);
}

static int exec_args_env(void) {
    char* big = malloc(100001);
    CHECK(big != NULL);
    for (int i = 0; i < 100000; ++i) big[i] = (char)('0' + i % 10);
    big[100000] = 0;
    char execfn[PATH_MAX + 32];
    snprintf(execfn, sizeof execfn, "EXPECT_EXECFN=%s", g_self);
    /* argv[0] need not be the path; AT_EXECFN is the path. */
    char* argv[] = {(char*)"fake-argv0", (char*)"--child", (char*)"check-exec", (char*)"one",
                    (char*)"", (char*)"three with spaces", big, NULL};
    char* envp[] = {(char*)"A=1", (char*)"EMPTY=", (char*)"EQ=x=y", execfn, NULL};
    int st = exec_and_wait(g_self, argv, envp);
    CHECK_EXITED(st, 0);
    return CASE_PASS;
}

static int exec_enoent(void) {
    char* argv[] = {(char*)"x", NULL};
    CHECK_ERR(execve("/nonexistent/program", argv, g_guard_env), ENOENT);
    /* path_resolution(7): an empty pathname does not name a file. */
    CHECK_ERR(execve("", argv, g_guard_env), ENOENT);
    return CASE_PASS;
}

static int exec_eacces(void) {
    char* argv[] = {(char*)"x", NULL};
    /* execve(2) EACCES: "The file or a script interpreter is not a regular file." */
    CHECK_ERR(execve("/", argv, g_guard_env), EACCES);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", g_self);
    char* slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        CHECK_ERR(execve(dir, argv, g_guard_env), EACCES);
    }
    /* "Execute permission is denied for the file": no x bit at all denies
     * even root. */
    const char* f = fixture("no-exec-bit");
    if (f) CHECK_ERR(execve(f, argv, g_guard_env), EACCES);
    return CASE_PASS;
}

static int exec_enoexec(void) {
    if (!g_fixtures) return skip("no fixture directory (nothing writable, no /test/linux)");
    char* argv[] = {(char*)"x", NULL};
    /* "An executable is not in a recognized format": text without #!, an
     * empty file, a file with only the ELF magic and identification. */
    CHECK_ERR(execve(fixture("not-elf"), argv, g_guard_env), ENOEXEC);
    CHECK_ERR(execve(fixture("empty"), argv, g_guard_env), ENOEXEC);
    CHECK_ERR(execve(fixture("short-elf"), argv, g_guard_env), ENOEXEC);
    return CASE_PASS;
}

static int exec_enotdir(void) {
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/x", g_self);
    char* argv[] = {(char*)"x", NULL};
    CHECK_ERR(execve(path, argv, g_guard_env), ENOTDIR);
    return CASE_PASS;
}

static int exec_efault(void) {
    char* argv[] = {(char*)g_self, (char*)"--child", (char*)"exit", (char*)"99", NULL};
    static const unsigned long bad[] = {ADDR_UNMAPPED_LOW, ADDR_HHDM, ADDR_KERNEL_IMAGE,
                                        ADDR_FIRST_NONCANONICAL, ADDR_NONCANONICAL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        char* bad_entry[] = {(char*)g_self, (char*)bad[i], NULL};
        char* bad_env_entry[] = {(char*)bad[i], NULL};
        errno = 0;
        if (execve((const char*)bad[i], argv, g_guard_env) != -1 || errno != EFAULT)
            return fail("execve(path=%#lx): %s, expected EFAULT", bad[i], errno_name(errno));
        if (execve(g_self, (char**)bad[i], g_guard_env) != -1 || errno != EFAULT)
            return fail("execve(argv=%#lx): %s, expected EFAULT", bad[i], errno_name(errno));
        if (execve(g_self, bad_entry, g_guard_env) != -1 || errno != EFAULT)
            return fail("execve(argv[1]=%#lx): %s, expected EFAULT", bad[i], errno_name(errno));
        if (execve(g_self, argv, (char**)bad[i]) != -1 || errno != EFAULT)
            return fail("execve(envp=%#lx): %s, expected EFAULT", bad[i], errno_name(errno));
        if (execve(g_self, argv, bad_env_entry) != -1 || errno != EFAULT)
            return fail("execve(envp[0]=%#lx): %s, expected EFAULT", bad[i], errno_name(errno));
    }
    return CASE_PASS;
}

/* MAX_ARG_STRLEN (32 pages) bounds each string, NUL included; the sum of
 * the strings and pointers is bounded by a quarter of RLIMIT_STACK (at
 * most 6 MiB, at least 128 KiB): execve(2) "Limits on size of arguments
 * and environment". */
#define MAX_ARG_STRLEN (32 * 4096)

static int exec_e2big(void) {
    char* s = malloc(MAX_ARG_STRLEN + 1);
    CHECK(s != NULL);
    memset(s, 'x', MAX_ARG_STRLEN);
    s[MAX_ARG_STRLEN] = 0; /* MAX_ARG_STRLEN characters + NUL: one too many */
    char* argv[] = {(char*)g_self, (char*)"--child", (char*)"exit", (char*)"0", s, NULL};
    CHECK_ERR(execve(g_self, argv, g_guard_env), E2BIG);
    char* envp[] = {s, NULL};
    CHECK_ERR(execve(g_self, argv + 0, envp), E2BIG);
    /* One character fewer fits. */
    s[MAX_ARG_STRLEN - 1] = 0;
    CHECK_EXITED(exec_and_wait(g_self, argv, g_guard_env), 0);
    /* 80 strings of 100,000 bytes: 8 MB, over any of the bounds. */
    s[100000] = 0;
    char* many[86] = {(char*)g_self, (char*)"--child", (char*)"exit", (char*)"99"};
    for (int i = 4; i < 84; ++i) many[i] = s;
    many[84] = NULL;
    CHECK_ERR(execve(g_self, many, g_guard_env), E2BIG);
    return CASE_PASS;
}

/* A failed execve returns to an untouched caller: memory, descriptors,
 * signal dispositions and mask, pid (execve(2): "On success, execve() does
 * not return, on error -1 is returned"). */
static volatile int g_marker = 0x5eed;
static volatile int g_handled;
static void count_handler(int sig) {
    (void)sig;
    ++g_handled;
}

static int exec_failure_keeps_caller(void) {
    char* heap = malloc(10000);
    CHECK(heap != NULL);
    memset(heap, 0x5a, 10000);
    unsigned char* map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    memset(map, 0xa5, 3 * PAGE);
    volatile char stack_bytes[256];
    for (int i = 0; i < 256; ++i) stack_bytes[i] = (char)i;
    int fds[2];
    CHECK_OK(pipe(fds));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_handler;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &mask, NULL));
    pid_t pid = getpid();

    char* s = malloc(MAX_ARG_STRLEN + 1);
    CHECK(s != NULL);
    memset(s, 'y', MAX_ARG_STRLEN);
    s[MAX_ARG_STRLEN] = 0;
    char* argv[] = {(char*)g_self, (char*)"--child", (char*)"exit", (char*)"99", NULL};
    char* big_argv[] = {(char*)g_self, s, NULL};
    char* bad_argv[] = {(char*)g_self, (char*)ADDR_HHDM, NULL};
    struct {
        const char* path;
        char** argv;
        int err;
    } tries[] = {
        {"/nonexistent/program", argv, ENOENT},
        {"/", argv, EACCES},
        {g_self, big_argv, E2BIG},
        {g_self, bad_argv, EFAULT},
        {fixture("not-elf"), argv, ENOEXEC},
        {fixture("bad-interp"), argv, ENOENT},
    };
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; ++i) {
        if (!tries[i].path) continue; /* no fixtures */
        errno = 0;
        if (execve(tries[i].path, tries[i].argv, g_guard_env) != -1 || errno != tries[i].err)
            return fail("execve(%s): %s, expected %s", tries[i].path, errno_name(errno),
                        errno_name(tries[i].err));
        if (g_marker != 0x5eed) return fail("after %s: .data changed", errno_name(tries[i].err));
        for (int j = 0; j < 10000; ++j)
            if (heap[j] != 0x5a) return fail("after %s: heap changed", errno_name(tries[i].err));
        for (size_t j = 0; j < 3 * PAGE; ++j)
            if (map[j] != 0xa5) return fail("after %s: mmap'd memory changed", errno_name(tries[i].err));
        for (int j = 0; j < 256; ++j)
            if (stack_bytes[j] != (char)j) return fail("after %s: stack changed", errno_name(tries[i].err));
        if (fcntl(fds[0], F_GETFD) != 0 || fcntl(fds[1], F_GETFD) != 0)
            return fail("after %s: a pipe descriptor is gone", errno_name(tries[i].err));
        struct sigaction old;
        sigaction(SIGUSR1, NULL, &old);
        if (old.sa_handler != count_handler) return fail("after %s: SIGUSR1's handler is gone", errno_name(tries[i].err));
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        if (!sigismember(&now, SIGUSR2) || sigismember(&now, SIGUSR1))
            return fail("after %s: the signal mask changed", errno_name(tries[i].err));
        if (getpid() != pid) return fail("after %s: getpid changed", errno_name(tries[i].err));
    }
    CHECK_EQ(write(fds[1], "ok", 2), 2);
    char buf[2];
    CHECK_EQ(read(fds[0], buf, 2), 2);
    g_handled = 0;
    raise(SIGUSR1);
    CHECK_EQ(g_handled, 1);
    return CASE_PASS;
}

static int exec_shebang_sh(void) {
    if (!have_sh()) return skip("no /bin/sh to run #!/bin/sh scripts");
    if (!g_fixtures) return skip("no fixture directory (nothing writable, no /test/linux)");
    char* argv[] = {(char*)"exit5.sh", NULL};
    CHECK_EXITED(exec_and_wait(fixture("exit5.sh"), argv, environ), 5);
    return CASE_PASS;
}

/* The interpreter gets "interp [optional-arg] pathname arg...": the #!
 * line's argument as one word, the script's path as given to execve in
 * place of argv[0], then argv[1..] (execve(2), "Interpreter scripts"). */
static int exec_shebang_args(void) {
    if (!g_fixtures) return skip("no fixture directory (nothing writable, no /test/linux)");
    const char* script = fixture("shebang-probe");
    char line[PATH_MAX + 64];
    int fd = open(script, O_RDONLY);
    CHECK_OK(fd);
    long n = read(fd, line, sizeof line - 1);
    close(fd);
    CHECK(n > 2);
    line[n] = 0;
    char* sp = strchr(line, ' ');
    CHECK(sp != NULL && line[0] == '#' && line[1] == '!');
    *sp = 0;
    char interp[sizeof line + 16], want_script[PATH_MAX + 32];
    snprintf(interp, sizeof interp, "EXPECT_INTERP=%s", line + 2);
    snprintf(want_script, sizeof want_script, "EXPECT_SCRIPT=%s", script);
    char* envp[] = {interp, want_script, NULL};
    char* argv[] = {(char*)"original-argv0", (char*)"a", (char*)"b", NULL};
    CHECK_EXITED(exec_and_wait(script, argv, envp), 42);
    /* A #! naming a missing interpreter: ENOENT. */
    CHECK_ERR(execve(fixture("bad-interp"), argv, g_guard_env), ENOENT);
    return CASE_PASS;
}

/* O_CLOEXEC and FD_CLOEXEC descriptors close across execve; others stay
 * open, without FD_CLOEXEC. */
static int exec_cloexec(void) {
    int a[2], b[2];
    CHECK_OK(pipe2(a, O_CLOEXEC));
    CHECK_OK(pipe(b));
    CHECK_EQ(fcntl(a[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(b[0], F_GETFD), 0);
    char sa[16], sb[16];
    snprintf(sa, sizeof sa, "%d", a[0]);
    snprintf(sb, sizeof sb, "%d", b[0]);
    CHECK_EXITED(run_helper("check-fds", sa, sb), 0);
    /* FD_CLOEXEC set later with F_SETFD counts the same. */
    CHECK_OK(fcntl(b[1], F_SETFD, FD_CLOEXEC));
    snprintf(sa, sizeof sa, "%d", b[1]);
    CHECK_EXITED(run_helper("check-fds", sa, sb), 0);
    return CASE_PASS;
}

CASE_TABLE(exec) = {
    {"exec-args-env-auxv", exec_args_env},
    {"exec-enoent", exec_enoent},
    {"exec-eacces", exec_eacces},
    {"exec-enoexec", exec_enoexec},
    {"exec-enotdir", exec_enotdir},
    {"exec-efault", exec_efault},
    {"exec-e2big", exec_e2big},
    {"exec-failure-keeps-caller", exec_failure_keeps_caller},
    {"exec-shebang-sh", exec_shebang_sh},
    {"exec-shebang-args", exec_shebang_args},
    {"exec-cloexec", exec_cloexec},
    CASE_TABLE_END,
};
