/* The runner: executes every case in its own child process, checks how it
 * ended, and counts free frames around the whole suite. */
#include <nyan.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

int g_long;
long g_churn = 10000; /* issue 7: 10,000 exec/exit/wait cycles on every boot path */
int g_failures;

int fail(const char* fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("# %s\n", line);
    ++g_failures;
    return 1;
}

long free_frames(void) { return nyan_syscall(SYS_MEMINFO, 0, 0, 0, 0, 0, 0); }

long run_and_wait(const char* path, char* const argv[]) {
    long pid = SC(SYS_EXEC, path, argv, 0);
    if (pid < 0) return pid;
    int status = 0;
    long r = SC(SYS_WAITPID, pid, &status, 0);
    if (r != pid) return r < 0 ? r : -ECHILD;
    return status;
}

/* How each case must end. IN_RUNNER: the runner runs it itself, for what
 * only init can see (orphans go to init); skipped when the runner is not
 * init. */
enum expect_kind { EXIT0, SIGNAL, IN_RUNNER };

/* A case the runner runs in its own process: returns 1 if it passed, else
 * fills `why` and returns 0. It must reap every child it starts. */
typedef int (*runner_fn)(char* why, size_t why_size);

struct test_case {
    const char* name;
    enum expect_kind kind;
    int signal;             /* for SIGNAL */
    const char* argv[6];    /* argv[0] is the path; empty: SELF --case name */
    runner_fn in_runner;    /* for IN_RUNNER */
};

#define FAULT(name, sig, ...) {name, SIGNAL, sig, {__VA_ARGS__}, 0}
#define CHILD(name, sig, mode) {name, SIGNAL, sig, {SELF, "--child", mode}, 0}
#define CASE(name) {name, EXIT0, 0, {0}, 0}
#define RUNNER(name, fn) {name, IN_RUNNER, 0, {0}, fn}

/* An orphaned zombie must wake init's blocked waitpid(-1) when init
 * inherits it: A = orphan-chain starts B = orphan-parent, which starts a
 * child that exits at once and then exits itself once that child is a
 * zombie and init is blocked. The zombie goes to init; B's own zombie stays
 * A's, and A sleeps 3 s. So init's waitpid(-1) must return the inherited
 * zombie while A still lives, not 3 s later when A exits. */
static int orphan_zombie_wakes_init(char* why, size_t why_size) {
    char* chain[] = {(char*)SELF, (char*)"--child", (char*)"orphan-chain", NULL};
    long a = SC(SYS_EXEC, SELF, chain, 0);
    if (a < 0) {
        snprintf(why, why_size, "exec orphan-chain: %s", strerrorname_np((int)-a));
        return 0;
    }
    int status = 0, a_status = 0;
    long first = SC(SYS_WAITPID, -1, &status, 0);
    long a_done = SC(SYS_WAITPID, a, &a_status, NYAN_WNOHANG);
    /* Clean up: A, then whatever zombie A's exit hands to init. */
    if (a_done == 0) {
        SC(SYS_KILL, a, 0, 0);
        SC(SYS_WAITPID, a, &a_status, 0);
    }
    while (SC(SYS_WAITPID, -1, &status, 0) > 0) {
    }
    if (first < 0) {
        snprintf(why, why_size, "waitpid(-1) = %ld", first);
        return 0;
    }
    if (first == a || a_done != 0) {
        snprintf(why, why_size,
                 "init's waitpid(-1) returned %ld only once pid %ld had exited, "
                 "not when it inherited a zombie",
                 first, a);
        return 0;
    }
    return 1;
}

static const struct test_case g_cases[] = {
    /* Bad memory access: each kills the process alone with SIGSEGV. */
    FAULT("read-null", NYAN_SIGSEGV, "/bin/fault", "null"),
    CHILD("write-null", NYAN_SIGSEGV, "write-null"),
    CHILD("exec-null", NYAN_SIGSEGV, "exec-null"),
    FAULT("read-kernel", NYAN_SIGSEGV, "/bin/readkernel", "kernel"),
    CHILD("read-kernel-top", NYAN_SIGSEGV, "read-kernel-top"),
    FAULT("write-kernel", NYAN_SIGSEGV, "/bin/readkernel", "write"),
    CHILD("exec-kernel", NYAN_SIGSEGV, "exec-kernel"),
    FAULT("read-hhdm", NYAN_SIGSEGV, "/bin/readkernel", "hhdm"),
    CHILD("write-hhdm", NYAN_SIGSEGV, "write-hhdm"),
    CHILD("exec-hhdm", NYAN_SIGSEGV, "exec-hhdm"),
    FAULT("read-noncanonical", NYAN_SIGSEGV, "/bin/fault", "noncanon"),
    CHILD("write-noncanonical", NYAN_SIGSEGV, "write-noncanon"),
    CHILD("exec-noncanonical", NYAN_SIGSEGV, "exec-noncanon"),
    FAULT("write-own-text", NYAN_SIGSEGV, "/bin/fault", "write-text"),
    FAULT("write-own-rodata", NYAN_SIGSEGV, "/bin/fault", "write-rodata"),
    FAULT("exec-own-stack", NYAN_SIGSEGV, "/bin/fault", "exec-stack"),
    FAULT("exec-own-data", NYAN_SIGSEGV, "/bin/fault", "exec-data"),
    CHILD("exec-own-rodata", NYAN_SIGSEGV, "exec-rodata"),
    CHILD("exec-own-heap", NYAN_SIGSEGV, "exec-heap"),
    CHILD("stack-overflow", NYAN_SIGSEGV, "stack-overflow"),
    FAULT("touch-freed-heap", NYAN_SIGSEGV, "/bin/sbrk-test", "16", "--touch-freed"),
    /* Forbidden instructions from ring 3: #GP (SIGSEGV) or their own trap. */
    FAULT("cli", NYAN_SIGSEGV, "/bin/fault", "cli"),
    CHILD("sti", NYAN_SIGSEGV, "sti"),
    FAULT("hlt", NYAN_SIGSEGV, "/bin/fault", "hlt"),
    CHILD("mov-to-cr3", NYAN_SIGSEGV, "mov-to-cr3"),
    CHILD("mov-from-cr3", NYAN_SIGSEGV, "mov-from-cr3"),
    CHILD("mov-to-cr0", NYAN_SIGSEGV, "mov-to-cr0"),
    FAULT("inb", NYAN_SIGSEGV, "/bin/fault", "inb"),
    CHILD("outb-debug-exit", NYAN_SIGSEGV, "outb"),
    CHILD("inl-dx", NYAN_SIGSEGV, "inl-dx"),
    CHILD("iopl-then-outb", NYAN_SIGSEGV, "iopl-outb"),
    CHILD("wrmsr", NYAN_SIGSEGV, "wrmsr"),
    CHILD("rdmsr", NYAN_SIGSEGV, "rdmsr"),
    CHILD("lgdt", NYAN_SIGSEGV, "lgdt"),
    CHILD("lidt", NYAN_SIGSEGV, "lidt"),
    CHILD("invlpg", NYAN_SIGSEGV, "invlpg"),
    CHILD("wbinvd", NYAN_SIGSEGV, "wbinvd"),
    CHILD("swapgs", NYAN_SIGSEGV, "swapgs"),
    CHILD("wrfsbase", NYAN_SIGILL, "wrfsbase"),
    CHILD("wrgsbase", NYAN_SIGILL, "wrgsbase"),
    CHILD("sysret", NYAN_SIGSEGV, "sysret"),
    CHILD("iretq-to-ring0", NYAN_SIGSEGV, "iretq-ring0"),
    CHILD("int-0x80", NYAN_SIGSEGV, "int-0x80"),
    CHILD("int-14-fake-page-fault", NYAN_SIGSEGV, "int-14"),
    CHILD("int-13", NYAN_SIGSEGV, "int-13"),
    FAULT("int3", NYAN_SIGTRAP, "/bin/fault", "int3"),
    FAULT("trap-flag", NYAN_SIGTRAP, "/bin/fault", "trap-flag"),
    FAULT("ud2", NYAN_SIGILL, "/bin/fault", "ud2"),
    FAULT("divide-by-zero", NYAN_SIGFPE, "/bin/fault", "div0"),
    CHILD("idiv-overflow", NYAN_SIGFPE, "idiv-overflow"),
    /* Bad system-call arguments. */
    CASE("efault-read"),
    CASE("efault-write"),
    CASE("efault-exec"),
    CASE("efault-open-stat"),
    CASE("efault-waitpid"),
    CASE("efault-list-files"),
    CASE("efault-meminfo-ps"),
    CASE("readonly-user-pages"),
    CASE("unterminated-strings"),
    CASE("wrapping-ranges"),
    CASE("oversized-lengths"),
    CASE("lazy-pages-in-syscalls"),
    CASE("lazy-page-strings"),
    CASE("unknown-syscalls"),
    CASE("invalid-arguments"),
    {"badptr-program", EXIT0, 0, {"/bin/badptr"}, 0},
    {"abi-registers", EXIT0, 0, {"/bin/abi-test"}, 0},
    /* exec. */
    CASE("malformed-elfs"),
    CASE("huge-argv"),
    /* Resources. */
    CASE("memory-exhaustion"),
    CASE("churn"),
    CASE("many-processes"),
    CASE("isolation-probes"),
    CASE("sbrk-limit"),
    /* Processes and the CPU. */
    CASE("console-write-preemptible"),
    CASE("kill-before-first-run"),
    CASE("console-foreground-rules"),
    CASE("segment-selectors-private"),
    CASE("fpu-clean-start"),
    CASE("ymm-private"),
    CASE("fs-gs-bases-private"),
    CASE("kill-running-elsewhere"),
    CASE("sleep-never-early"),
    CASE("at-random-distinct"),
    /* Files. */
    CASE("fd-inheritance"),
    CASE("linux-file-calls"),
    CASE("linux-fd-inheritance"),
    CASE("linux-sigpipe"),
    CASE("linux-exec-cloexec"),
    CASE("linux-blocked-kill"),
    CASE("linux-abi-file-cases"),
    RUNNER("orphan-zombie-wakes-init", orphan_zombie_wakes_init),
};
#define CASE_COUNT (sizeof g_cases / sizeof g_cases[0])

static const char* g_only[16];
static int g_only_count;

static int selected(const char* name) {
    if (!g_only_count) return 1;
    for (int i = 0; i < g_only_count; ++i)
        if (!strcmp(g_only[i], name)) return 1;
    return 0;
}

/* Runs one case; fills `why` when it did not end as expected. */
/* 1 passed, 0 failed, -1 skipped (why says why). */
static int run_case(const struct test_case* c, char* why, size_t why_size) {
    if (c->kind == IN_RUNNER) return c->in_runner(why, why_size);
    char churn[24];
    snprintf(churn, sizeof churn, "%ld", g_churn);
    char* argv[8];
    const char* path;
    if (c->argv[0]) {
        path = c->argv[0];
        int i = 0;
        for (; i < 6 && c->argv[i]; ++i) argv[i] = (char*)c->argv[i];
        argv[i] = NULL;
    } else {
        path = SELF;
        argv[0] = (char*)SELF;
        argv[1] = (char*)"--case";
        argv[2] = (char*)c->name;
        argv[3] = (char*)"--churn";
        argv[4] = churn;
        argv[5] = g_long ? (char*)"--long" : NULL;
        argv[6] = NULL;
    }
    long pid = SC(SYS_EXEC, path, argv, 0);
    if (pid < 0) {
        snprintf(why, why_size, "exec %s: %s", path, strerrorname_np((int)-pid));
        return 0;
    }
    /* The case holds the console while it runs, as a program the shell runs
     * does (console-foreground-rules relies on it). */
    SC(SYS_SET_FOREGROUND, pid, 0, 0);
    int status = 0;
    long r = SC(SYS_WAITPID, pid, &status, 0);
    SC(SYS_SET_FOREGROUND, 0, 0, 0);
    if (r != pid) {
        snprintf(why, why_size, "waitpid: %ld", r);
        return 0;
    }
    char reason[128] = "";
    if (NYAN_WIFSIGNALED(status)) kill_reason((int)pid, reason, sizeof reason);
    if (c->kind == SIGNAL) {
        if (NYAN_WIFSIGNALED(status) && NYAN_WTERMSIG(status) == c->signal) return 1;
        if (NYAN_WIFSIGNALED(status))
            snprintf(why, why_size, "killed by %s, expected %s (%s)",
                     nyan_signal_name(NYAN_WTERMSIG(status)), nyan_signal_name(c->signal), reason);
        else
            snprintf(why, why_size, "exited with %d, expected %s", NYAN_WEXITSTATUS(status),
                     nyan_signal_name(c->signal));
        return 0;
    }
    if (status == 0) return 1;
    if (NYAN_WIFEXITED(status) && NYAN_WEXITSTATUS(status) == CASE_SKIPPED) {
        snprintf(why, why_size, "the case cannot check this here (see above)");
        return -1;
    }
    if (NYAN_WIFSIGNALED(status))
        snprintf(why, why_size, "killed by %s (%s)", nyan_signal_name(NYAN_WTERMSIG(status)), reason);
    else
        snprintf(why, why_size, "exited with %d", NYAN_WEXITSTATUS(status));
    return 0;
}

static int suite(void) {
    printf("testsuite: %lu cases%s, churn %ld\n", (unsigned long)CASE_COUNT,
           g_long ? " (long)" : "", g_churn);
    /* No warm-up: meminfo gives back the kernel's caches (kernel stacks,
     * empty heap slabs) before it counts, and the kernel-half tables that
     * stay were made at boot, so the first case's high-water marks leave
     * nothing behind that this count could see. */
    struct nyan_meminfo before;
    meminfo(&before);
    int n = 0, passed = 0, failed = 0;
    unsigned long start = get_time();
    for (size_t i = 0; i < CASE_COUNT; ++i) {
        const struct test_case* c = &g_cases[i];
        if (!selected(c->name)) continue;
        char why[192] = "";
        ++n;
        if (c->kind == IN_RUNNER && getpid() != 1) {
            /* Run from the shell, the runner is not init: what only init
             * can see is not there to check. */
            printf("ok %d - %s # SKIP the runner is not init\n", n, c->name);
            ++passed;
            continue;
        }
        int result = run_case(c, why, sizeof why);
        if (result < 0) {
            printf("ok %d - %s # SKIP %s\n", n, c->name, why);
            ++passed;
        } else if (result) {
            printf("ok %d - %s\n", n, c->name);
            ++passed;
        } else {
            printf("not ok %d - %s: %s\n", n, c->name, why);
            ++failed;
        }
    }
    struct nyan_meminfo after;
    meminfo(&after);
    ++n;
    if (before.free_frames == after.free_frames) {
        printf("ok %d - frames (free_frames=%lu before and after)\n", n, after.free_frames);
        ++passed;
    } else if (after.free_frames > before.free_frames) {
        /* Not a leak: memory in use at the baseline came back. Now and then
         * one kernel heap slab is still in use at the baseline and free at
         * the end (under investigation); a loss always fails. */
        printf("ok %d - frames (free_frames=%lu before, %lu after: %+ld heap frames in use at the "
               "baseline came back)\n",
               n, before.free_frames, after.free_frames,
               (long)(after.heap_frames - before.heap_frames));
        ++passed;
    } else {
        printf("not ok %d - frames: before=%lu after=%lu (page-table frames %+ld, kernel heap "
               "frames %+ld)\n", n, before.free_frames, after.free_frames,
               (long)(after.page_table_frames - before.page_table_frames),
               (long)(after.heap_frames - before.heap_frames));
        ++failed;
    }
    printf("testsuite: %lu ms\n", get_time() - start);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

static void usage(void) {
    fprintf(stderr, "usage: testsuite [--long] [--churn N] [--only NAME]...\n"
                    "       testsuite --case NAME [--churn N] [--long]\n"
                    "       testsuite --child MODE [ARG...]\n");
}

int main(int argc, char** argv) {
    if (argc >= 2 && !strcmp(argv[1], "--child")) return child_main(argc - 2, argv + 2);
    const char* case_name = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--long")) {
            g_long = 1;
            if (g_churn == 10000) g_churn = 50000;
        } else if (!strcmp(argv[i], "--churn") && i + 1 < argc) {
            g_churn = strtol(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc && g_only_count < 16) {
            g_only[g_only_count++] = argv[++i];
        } else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
            case_name = argv[++i];
        } else {
            usage();
            return 2;
        }
    }
    if (case_name) {
        case_fn fn = find_case(case_name);
        if (!fn) return fail("no case named %s", case_name), 2;
        int r = fn(argc, argv);
        if (r == CASE_SKIPPED && !g_failures) return CASE_SKIPPED;
        return r || g_failures ? 1 : 0;
    }
    return suite();
}
