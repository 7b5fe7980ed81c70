/* Processes and the CPU: a long system call must not hold the CPU or
 * outlive a kill. Times are guest uptime (get_time), never the host's
 * clock. */
#include <nyan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

/* ---- a long console write ---------------------------------------------- */

/* 8 MiB to the console takes seconds of guest time (every byte is a port
 * write to the UART: about 5 s when the write could not be preempted); a
 * 10 ms sleep meanwhile, or a kill of the writer, must take effect within
 * FLOOD_BOUND_MS all the same. Under QEMU's TCG guest time follows the host
 * clock, so a busy host stretches it: the bound leaves room for that and
 * still tells a preemptible write from one that is not. */
#define FLOOD_BYTES (8l << 20)
#define FLOOD_SLEEPS 10
#define FLOOD_BOUND_MS 1000ul

static int console_write_preemptible(int argc, char** argv) {
    (void)argc, (void)argv;
    char size[24];
    snprintf(size, sizeof size, "%ld", FLOOD_BYTES);
    char* args[] = {(char*)SELF, (char*)"--child", (char*)"console-flood", size, NULL};
    long pid = SC(SYS_EXEC, SELF, args, 0);
    if (pid < 0) return fail("exec the writer: %s", strerrorname_np((int)-pid));
    /* The first sleep hands the CPU to the writer, which enters its write at
     * once; the sleeps after that run while it writes. */
    unsigned long worst = 0, start = get_time();
    for (int i = 0; i < FLOOD_SLEEPS; ++i) {
        unsigned long t0 = get_time();
        sleep(10);
        unsigned long took = get_time() - t0;
        if (took > worst) worst = took;
    }
    unsigned long slept = get_time() - start;
    int status = 0;
    long still_writing = SC(SYS_WAITPID, pid, &status, NYAN_WNOHANG);
    unsigned long t0 = get_time();
    long k = SC(SYS_KILL, pid, 0, 0);
    long r = still_writing == 0 ? SC(SYS_WAITPID, pid, &status, 0) : still_writing;
    unsigned long kill_took = get_time() - t0;
    printf("# %d sleeps of 10 ms: %lu ms in all, the longest %lu ms; the kill took %lu ms\n",
           FLOOD_SLEEPS, slept, worst, kill_took);
    if (still_writing != 0)
        return fail(
            "the writer was done after %lu ms (waitpid = %ld, status %#x): its write "
            "held the CPU to the end",
            slept, still_writing, status);
    if (worst > FLOOD_BOUND_MS)
        fail("a 10 ms sleep took %lu ms while another process wrote to the console", worst);
    if (k != 0) fail("kill(writer) = %ld", k);
    if (r != pid) return fail("waitpid(writer) = %ld", r);
    if (!(NYAN_WIFSIGNALED(status) && NYAN_WTERMSIG(status) == NYAN_SIGKILL))
        fail("the writer ended with status %#x, expected SIGKILL", status);
    if (kill_took > FLOOD_BOUND_MS) fail("the kill took %lu ms to end a console write", kill_took);
    return 0;
}

/* ---- a kill before the first run ---------------------------------------- */

/* /bin/orphan's first system call starts /bin/sleeper and leaves it behind.
 * Killed before it ever ran, it must die without running a single user
 * instruction: no sleeper may appear. */
static int kill_before_first_run(int argc, char** argv) {
    (void)argc, (void)argv;
    char* args[] = {(char*)"/bin/orphan", (char*)"600000", NULL};
    unsigned online = 1;
    getcpu(NULL, &online);
    if (online > 1) {
        /* An idle CPU may pick the child up the moment exec returns: "before
         * its first run" cannot be arranged from here. */
        printf("# %u CPUs online: the child may run before the kill\n", online);
        return CASE_SKIPPED;
    }
    /* A fresh quantum: the exec and the kill below run without a switch
     * (the kernel switches at a system call's end only once the quantum is
     * spent), so the child cannot run before the kill. */
    sleep(1);
    long pid = SC(SYS_EXEC, args[0], args, 0);
    if (pid < 0) return fail("exec /bin/orphan: %s", strerrorname_np((int)-pid));
    long k = SC(SYS_KILL, pid, 0, 0);
    int status = 0;
    long r = SC(SYS_WAITPID, pid, &status, 0);
    if (k != 0) fail("kill(child) = %ld", k);
    if (r != pid) return fail("waitpid(child) = %ld", r);
    if (!(NYAN_WIFSIGNALED(status) && NYAN_WTERMSIG(status) == NYAN_SIGKILL))
        fail("the child ended with status %#x, expected SIGKILL", status);
    /* Pids only grow: anything newer than the child, the child started. */
    static struct nyan_process_info info[64];
    long n = SC(SYS_PROCESS_LIST, info, 64, 0);
    if (n < 0) return fail("process_list = %ld", n);
    for (long i = 0; i < n; ++i) {
        if (info[i].pid <= pid) continue;
        fail("pid %d (%s) was started by a process killed before its first run", info[i].pid,
             info[i].name);
        SC(SYS_KILL, info[i].pid, 0, 0);
    }
    return 0;
}

/* ---- who controls the console ------------------------------------------ */

static void expect_result(const char* what, long result, long expected) {
    if (result != expected)
        fail("%s = %ld (%s), expected %ld", what, result,
             result < 0 ? strerrorname_np((int)-result) : "success", expected);
}

/* The runner hands the console to each case while it runs, as the shell does
 * for the program it runs (run this case from the runner, not as init). */
static int console_foreground_rules(int argc, char** argv) {
    (void)argc, (void)argv;
    int self = getpid();
    if (self == 1) return fail("init can never be the foreground: run this case from the runner");
    char holder[24];
    snprintf(holder, sizeof holder, "%d", self);

    /* The runner hands this case the console right after exec; with
     * several CPUs the case may get here first: wait (bounded) until it has
     * it. Then the foreground may take the console back, clear it, and take
     * it again. */
    long taken = -EPERM;
    for (int i = 0; i < 2000 && taken == -EPERM; ++i) {
        taken = SC(SYS_SET_FOREGROUND, self, 0, 0);
        if (taken == -EPERM) sleep(1);
    }
    expect_result("set_foreground(self)", taken, 0);
    expect_result("set_foreground(0)", SC(SYS_SET_FOREGROUND, 0, 0, 0), 0);
    expect_result("set_foreground(self) after clearing", SC(SYS_SET_FOREGROUND, self, 0, 0), 0);
    /* Ctrl-C must never end init: init is never the foreground. */
    expect_result("set_foreground(init)", SC(SYS_SET_FOREGROUND, 1, 0, 0), -EPERM);
    expect_result("set_foreground(no such process)", SC(SYS_SET_FOREGROUND, 99999, 0, 0), -ESRCH);

    /* A child we did not give the console to can neither take nor clear it,
     * nor power off or reboot. */
    char* intruder[] = {(char*)SELF, (char*)"--child", (char*)"fg-intruder", holder, NULL};
    long r = run_and_wait(SELF, intruder);
    if (r != 0) fail("the intruder child: status %ld (its lines above say why)", r);

    /* A child we give it to may clear it and take it again; when it exits,
     * the console comes back to us. */
    char* heir_argv[] = {(char*)SELF, (char*)"--child", (char*)"fg-heir", NULL};
    long heir = SC(SYS_EXEC, SELF, heir_argv, 0);
    if (heir < 0) return fail("exec the heir: %s", strerrorname_np((int)-heir));
    expect_result("set_foreground(child)", SC(SYS_SET_FOREGROUND, heir, 0, 0), 0);
    int status = -1;
    r = SC(SYS_WAITPID, heir, &status, 0);
    if (r != heir || status != 0) fail("the heir: waitpid %ld, status %#x", r, status);
    expect_result("set_foreground(0) once the heir is gone", SC(SYS_SET_FOREGROUND, 0, 0, 0), 0);
    return 0;
}

/* ---- segment selectors -------------------------------------------------- */

/* One process loads DS, ES, FS and GS while another runs next to it: the
 * second must keep the null selectors it started with, the first its own. */
static int segment_selectors_private(int argc, char** argv) {
    (void)argc, (void)argv;
    char* setter[] = {(char*)SELF, (char*)"--child", (char*)"selectors-set", NULL};
    char* watcher[] = {(char*)SELF, (char*)"--child", (char*)"selectors-watch", NULL};
    long set_pid = SC(SYS_EXEC, SELF, setter, 0);
    if (set_pid < 0) return fail("exec selectors-set: %s", strerrorname_np((int)-set_pid));
    long watch_pid = SC(SYS_EXEC, SELF, watcher, 0);
    if (watch_pid < 0) fail("exec selectors-watch: %s", strerrorname_np((int)-watch_pid));
    int status = -1;
    long r = SC(SYS_WAITPID, set_pid, &status, 0);
    if (r != set_pid || status != 0)
        fail("selectors-set lost its own selectors: waitpid %ld, status %#x", r, status);
    if (watch_pid > 0) {
        r = SC(SYS_WAITPID, watch_pid, &status, 0);
        if (r != watch_pid || status != 0)
            fail("selectors-watch saw another process's selectors: waitpid %ld, status %#x", r,
                 status);
    }
    return 0;
}

/* ---- a clean FPU for every process --------------------------------------- */

/* /bin/fpu-probe records its FPU/SSE registers at its first instruction and
 * exits 0 only if they are the clean state; it runs while another process
 * keeps nonzero values in all of its own (and must keep them). */
static int fpu_clean_start(int argc, char** argv) {
    (void)argc, (void)argv;
    char* dirty[] = {(char*)SELF, (char*)"--child", (char*)"fpu-dirty", NULL};
    long d = SC(SYS_EXEC, SELF, dirty, 0);
    if (d < 0) return fail("exec fpu-dirty: %s", strerrorname_np((int)-d));
    char* probe[] = {(char*)"/bin/fpu-probe", NULL};
    long r = run_and_wait(probe[0], probe);
    if (r != 0) fail("/bin/fpu-probe: status %ld (its lines above say which registers)", r);
    int status = -1;
    long w = SC(SYS_WAITPID, d, &status, 0);
    if (w != d || status != 0) fail("fpu-dirty: waitpid %ld, status %#x", w, status);
    return 0;
}

/* ---- AVX registers ------------------------------------------------------- */

/* Whether the CPU has AVX (CPUID.1:ECX[28]); *enabled says whether the
 * kernel turned its state on (OSXSAVE, and XCR0 holding SSE and AVX), as
 * it must wherever the CPU has it. */
static int cpu_has_avx(int* enabled) {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    *enabled = 0;
    if (!(c & (1u << 28))) return 0;
    if (c & (1u << 27)) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        *enabled = (lo & 6) == 6;
    }
    return 1;
}

/* Two processes fill all sixteen YMM registers with patterns of their own
 * and keep being switched away from (yields and timer preemption) while
 * /bin/fpu-probe starts next to them: each must get its registers back
 * whole, upper halves included, and the new process must start with every
 * YMM register zero. Skipped on a CPU without AVX (qemu64): fpu-clean-start
 * covers the fxsave path there. */
static int ymm_private(int argc, char** argv) {
    (void)argc, (void)argv;
    int enabled;
    if (!cpu_has_avx(&enabled)) {
        printf("# the CPU has no AVX\n");
        return CASE_SKIPPED;
    }
    if (!enabled) return fail("the CPU has AVX but the kernel did not enable its state (XCR0)");
    long pids[2];
    for (int i = 0; i < 2; ++i) {
        char seed[8];
        snprintf(seed, sizeof seed, "%d", i + 1);
        char* args[] = {(char*)SELF, (char*)"--child", (char*)"ymm-dirty", seed, NULL};
        pids[i] = SC(SYS_EXEC, SELF, args, 0);
        if (pids[i] < 0) return fail("exec ymm-dirty: %s", strerrorname_np((int)-pids[i]));
    }
    char* probe[] = {(char*)"/bin/fpu-probe", NULL};
    long r = run_and_wait(probe[0], probe);
    if (r != 0) fail("/bin/fpu-probe: status %ld (its lines above say which registers)", r);
    for (int i = 0; i < 2; ++i) {
        int status = -1;
        long w = SC(SYS_WAITPID, pids[i], &status, 0);
        if (w != pids[i] || status != 0)
            fail("ymm-dirty %d: waitpid %ld, status %#x", i + 1, w, status);
    }
    return 0;
}

/* ---- FS and GS bases ------------------------------------------------------- */

/* arch_prctl's checks, then processes with bases of their own (two), none,
 * and bases replaced by a loaded selector run side by side: each keeps its
 * own across every switch (see the tls-* helpers). */
static int fs_gs_bases_private(int argc, char** argv) {
    (void)argc, (void)argv;
    unsigned long base = 1;
    expect_result("ARCH_GET_FS at start", SC(SYS_ARCH_PRCTL, NYAN_ARCH_GET_FS, &base, 0), 0);
    if (base != 0) fail("a new process's FS base is %#lx", base);
    base = 1;
    expect_result("ARCH_GET_GS at start", SC(SYS_ARCH_PRCTL, NYAN_ARCH_GET_GS, &base, 0), 0);
    if (base != 0) fail("a new process's GS base is %#lx", base);
    /* Kernel, non-canonical and last-page bases are refused (Linux: EPERM). */
    static const unsigned long bad[] = {ADDR_LAST_USER_PAGE, ADDR_FIRST_NONCANONICAL,
                                        ADDR_NONCANONICAL,   ADDR_HHDM,
                                        ADDR_KERNEL_IMAGE,   ~0ul};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        if (SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_FS, bad[i], 0) != -EPERM)
            fail("ARCH_SET_FS(%#lx) was not refused with EPERM", bad[i]);
        if (SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_GS, bad[i], 0) != -EPERM)
            fail("ARCH_SET_GS(%#lx) was not refused with EPERM", bad[i]);
    }
    SC(SYS_ARCH_PRCTL, NYAN_ARCH_GET_FS, &base, 0);
    if (base != 0) fail("a refused ARCH_SET_FS changed the base to %#lx", base);
    expect_result("arch_prctl(0x1005)", SC(SYS_ARCH_PRCTL, 0x1005, 0, 0), -EINVAL);
    expect_result("ARCH_GET_FS to a kernel address",
                  SC(SYS_ARCH_PRCTL, NYAN_ARCH_GET_FS, ADDR_KERNEL_IMAGE, 0), -EFAULT);
    expect_result("ARCH_SET_FS(last allowed)",
                  SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_FS, ADDR_LAST_USER_PAGE - 1, 0), 0);
    SC(SYS_ARCH_PRCTL, NYAN_ARCH_GET_FS, &base, 0);
    if (base != ADDR_LAST_USER_PAGE - 1) fail("ARCH_GET_FS after a set: %#lx", base);
    expect_result("ARCH_SET_FS(0)", SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_FS, 0, 0), 0);

    static const char* const modes[][2] = {
        {"tls-hold", "0"}, {"tls-none", NULL}, {"tls-hold", "1"}, {"tls-selector", NULL}};
    long pids[4];
    for (int i = 0; i < 4; ++i) {
        char* args[] = {(char*)SELF, (char*)"--child", (char*)modes[i][0], (char*)modes[i][1],
                        NULL};
        pids[i] = SC(SYS_EXEC, SELF, args, 0);
        if (pids[i] < 0) fail("exec %s: %s", modes[i][0], strerrorname_np((int)-pids[i]));
    }
    for (int i = 0; i < 4; ++i) {
        if (pids[i] < 0) continue;
        int status = -1;
        long w = SC(SYS_WAITPID, pids[i], &status, 0);
        if (w != pids[i] || status != 0)
            fail("%s %s: waitpid %ld, status %#x", modes[i][0], modes[i][1] ? modes[i][1] : "", w,
                 status);
    }
    return 0;
}

/* ---- a kill of a process running on another CPU -------------------------- */

/* A kill sets a pending flag; a target running in user mode on another CPU
 * notices it at its next interrupt from user mode (each CPU's timer ticks at
 * 1 kHz; there is no IPI for a kill). The target here spins without system
 * calls, so that interrupt is the only way it can die. From the kill to
 * waitpid's return must take less than KILL_BOUND_MS of guest time, in each
 * of KILL_ROUNDS rounds. */
#define KILL_ROUNDS 5
#define KILL_BOUND_MS 100ul
#define RUNNING_WAIT_MS 5000ul

/* Polls process_list until PID is running (state 0) while we are running
 * too, so on another CPU; gives up after RUNNING_WAIT_MS of guest time. */
static int wait_until_running(long pid) {
    static struct nyan_process_info info[64];
    unsigned long start = get_time();
    while (get_time() - start < RUNNING_WAIT_MS) {
        long n = SC(SYS_PROCESS_LIST, info, 64, 0);
        if (n > 64) n = 64;
        for (long i = 0; i < n; ++i)
            if (info[i].pid == pid && info[i].state == 0) return 1;
    }
    return 0;
}

static int kill_running_elsewhere(int argc, char** argv) {
    (void)argc, (void)argv;
    unsigned online = 1;
    getcpu(NULL, &online);
    if (online < 2) {
        printf("# one CPU online: there is no other CPU to kill a process on\n");
        return CASE_SKIPPED;
    }
    unsigned long worst = 0;
    for (int round = 0; round < KILL_ROUNDS; ++round) {
        char* args[] = {(char*)SELF, (char*)"--child", (char*)"spin-user", NULL};
        long pid = SC(SYS_EXEC, SELF, args, 0);
        if (pid < 0) return fail("exec the spinner: %s", strerrorname_np((int)-pid));
        /* Running next to us; then 20 ms more, so it is well inside its
         * loop (its start-up makes system calls), and running still. */
        int running = wait_until_running(pid);
        if (running) {
            sleep(20);
            running = wait_until_running(pid);
        }
        unsigned cpu = 0;
        getcpu(&cpu, NULL);
        int status = 0;
        unsigned long t0 = get_time();
        long k = SC(SYS_KILL, pid, 0, 0);
        long r = SC(SYS_WAITPID, pid, &status, 0);
        unsigned long took = get_time() - t0;
        if (!running)
            return fail("round %d: the spinner (pid %ld) was not seen running on another CPU "
                        "within %lu ms",
                        round, pid, RUNNING_WAIT_MS);
        printf("# round %d: pid %ld killed while running on another CPU than ours (cpu %u of "
               "%u): waitpid returned %lu ms later\n",
               round, pid, cpu, online, took);
        if (k != 0) fail("round %d: kill(spinner) = %ld", round, k);
        if (r != pid) return fail("round %d: waitpid(spinner) = %ld", round, r);
        if (!(NYAN_WIFSIGNALED(status) && NYAN_WTERMSIG(status) == NYAN_SIGKILL))
            fail("round %d: the spinner ended with status %#x, expected SIGKILL", round, status);
        if (took > worst) worst = took;
    }
    printf("# kill latency: worst %lu ms of guest time in %d rounds (bound %lu ms)\n", worst,
           KILL_ROUNDS, KILL_BOUND_MS);
    if (worst >= KILL_BOUND_MS)
        fail("a kill of a process running on another CPU took %lu ms to end it", worst);
    return 0;
}

/* ---- sleeps never end early ----------------------------------------------- */

/* A sleep of N ms must take at least N ms, measured on the TSC (the clock
 * the kernel's deadlines are on), whatever the phase of the 1 ms tick when
 * it starts: the kernel wakes a sleeper at the first tick at or after its
 * deadline. (Deadlines in whole milliseconds of uptime used to end a sleep
 * up to 1 ms early.) No upper bound: guest time stretches on a busy host. */
#define SLEEP_ROUNDS 20

static inline unsigned long rdtsc(void) {
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((unsigned long)hi << 32) | lo;
}

static int sleep_never_early(int argc, char** argv) {
    (void)argc, (void)argv;
    struct nyan_system_info info;
    if (system_info(&info) != 0 || info.tsc_hz == 0) return fail("system_info gave no TSC rate");
    static const unsigned long lengths[] = {1, 2, 3, 7};
    unsigned long shortest_excess = ~0ul, longest_excess = 0;
    for (int round = 0; round < SLEEP_ROUNDS; ++round) {
        unsigned long ms = lengths[round % 4];
        /* Start at a varying point within a tick. */
        for (volatile int spin = 0; spin < round * 1000; ++spin) {
        }
        unsigned long t0 = rdtsc();
        sleep(ms);
        unsigned long took = rdtsc() - t0;
        unsigned long needed = ms * info.tsc_hz / 1000;
        if (took < needed)
            return fail("round %d: sleep(%lu) took %lu us", round, ms,
                        took * 1000000 / info.tsc_hz);
        unsigned long excess_us = (took - needed) * 1000000 / info.tsc_hz;
        if (excess_us < shortest_excess) shortest_excess = excess_us;
        if (excess_us > longest_excess) longest_excess = excess_us;
    }
    unsigned long t0 = rdtsc();
    sleep(0);
    unsigned long zero_us = (rdtsc() - t0) * 1000000 / info.tsc_hz;
    printf("# %d sleeps of 1-7 ms: %lu to %lu us past the request; sleep(0) took %lu us\n",
           SLEEP_ROUNDS, shortest_excess, longest_excess, zero_us);
    return 0;
}

/* ---- AT_RANDOM ----------------------------------------------------------- */

/* Every process gets its own 16 AT_RANDOM bytes (libc's stack canary and
 * pointer guard) from the kernel's CSPRNG. This case, its child and its
 * grandchild (a chain of `--child at-random`) must each have them, not all
 * zero, on the initial stack, and all three different. */
static int at_random_distinct(int argc, char** argv) {
    (void)argc, (void)argv;
    const unsigned char* own = at_random_bytes();
    if (!own) return fail("the auxiliary vector has no AT_RANDOM");
    uintptr_t at = (uintptr_t)own;
    if (at < __nyan_initial_sp || at + 16 > NYAN_USER_STACK_TOP)
        return fail("AT_RANDOM points to %p, not into the initial stack", (void*)own);
    char hex[33];
    at_random_hex(own, hex);
    int zero = 1;
    for (int i = 0; i < 16; ++i) zero = zero && own[i] == 0;
    if (zero) return fail("this process's AT_RANDOM bytes are all zero");
    char* args[] = {(char*)SELF, (char*)"--child", (char*)"at-random", (char*)"1", hex, NULL};
    long status = run_and_wait(SELF, args);
    if (status < 0) return fail("exec the child: %s", strerrorname_np((int)-status));
    if (!NYAN_WIFEXITED(status)) return fail("the child ended with status %#lx", status);
    int code = NYAN_WEXITSTATUS(status);
    switch (code) {
        case 0:
            return 0;
        case AT_RANDOM_ZERO:
            return fail("a child's AT_RANDOM bytes are all zero");
        case AT_RANDOM_MISSING:
            return fail("a child has no AT_RANDOM");
        case AT_RANDOM_EXEC_FAILED:
            return fail("the child could not start the grandchild");
        case AT_RANDOM_SAME_AS:
            return fail("a child has this process's AT_RANDOM bytes %s", hex);
        case AT_RANDOM_SAME_AS + 1:
            return fail("the grandchild has the child's AT_RANDOM bytes");
        default:
            return fail("the chain exited with %d", code);
    }
}

struct named_case {
    const char* name;
    case_fn fn;
};

extern const struct named_case g_process_cases[];
const struct named_case g_process_cases[] = {
    {"console-write-preemptible", console_write_preemptible},
    {"kill-before-first-run", kill_before_first_run},
    {"console-foreground-rules", console_foreground_rules},
    {"segment-selectors-private", segment_selectors_private},
    {"fpu-clean-start", fpu_clean_start},
    {"ymm-private", ymm_private},
    {"fs-gs-bases-private", fs_gs_bases_private},
    {"kill-running-elsewhere", kill_running_elsewhere},
    {"sleep-never-early", sleep_never_early},
    {"at-random-distinct", at_random_distinct},
    {NULL, NULL},
};
