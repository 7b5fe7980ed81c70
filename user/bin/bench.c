/* bench: the figures `make bench` reports (docs/benchmarks.md). Each line is
 * `bench: NAME VALUE UNIT`; a figure is the median over repetitions, in TSC
 * ticks (guest instructions under QEMU's -icount shift=0) and in ns.
 *
 *   bench            every figure but the process count (run as init)
 *   bench procs      the largest number of concurrent /bin/pause processes:
 *                    exec until it fails, then kill and reap them all and
 *                    compare meminfo with the baseline
 *   bench spawn-rate K
 *                    spawn throughput: one worker per online CPU, each
 *                    running K spawns of /bin/true, all at once; in ops/s
 *                    of TSC time (meant for runs without icount, where the
 *                    guest TSC follows the host's clock)
 *   bench shootdown  what one kernel-half TLB shootdown costs the CPU that
 *                    starts it and each CPU that handles it (several CPUs)
 *   bench kpti-wall  the null system call and the yield switch only, with
 *                    more repetitions: booted without icount with kpti=off
 *                    and kpti=on for wall-clock ratios (TLB refills count)
 * Internal child modes: --spin (yield forever), --touch N (touch N heap
 * pages, then block), --report tables|user|shared (exit with that figure),
 * --spawn-loop K (K spawns of /bin/true; exits with the CPUs it ran on). */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ul

static struct nyan_system_info g_info;
static int g_failures;

static inline unsigned long rdtsc(void) {
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((unsigned long)hi << 32) | lo;
}

static void sort(unsigned long* v, int n) {
    for (int i = 1; i < n; ++i)
        for (int j = i; j > 0 && v[j - 1] > v[j]; --j) {
            unsigned long t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static unsigned long median(unsigned long* v, int n) {
    sort(v, n);
    return v[n / 2];
}

static unsigned long to_ns(unsigned long ticks) {
    if (!g_info.tsc_hz) return 0;
    return (unsigned long)((unsigned __int128)ticks * 1000000000ul / g_info.tsc_hz);
}

/* A figure in ticks and in ns. */
static void report(const char* name, unsigned long ticks) {
    printf("bench: %s %lu ticks\n", name, ticks);
    printf("bench: %s_ns %lu ns\n", name, to_ns(ticks));
}

static void fail(const char* what) {
    printf("bench: error %s (errno %d)\n", what, errno);
    ++g_failures;
}

/* Starts /bin/bench (or PATH) with up to two arguments. */
static int start(const char* path, const char* a1, const char* a2) {
    char* argv[4] = {(char*)path, (char*)a1, (char*)a2, NULL};
    return exec(path, argv);
}

/* Yields until `pid` is blocked (state 2): it has done its set-up. */
static void wait_blocked(int pid) {
    struct nyan_process_info list[64];
    for (;;) {
        int n = process_list(list, 64);
        for (int i = 0; i < n; ++i)
            if (list[i].pid == pid && list[i].state == 2) return;
        yield();
    }
}

#define REPS 15

/* Under icount a loop of 2N+1 instructions should read 2N+1 ticks. */
static void bench_tsc_check(void) {
    unsigned long v[REPS];
    const unsigned long n = 100000;
    for (int r = 0; r < REPS; ++r) {
        unsigned long left = n;
        unsigned long t0 = rdtsc();
        __asm__ volatile("1: dec %0; jnz 1b" : "+r"(left) : : "cc");
        unsigned long t1 = rdtsc();
        v[r] = (t1 - t0) * 1000 / (2 * n);
    }
    printf("bench: tsc_ticks_per_1000_instructions %lu ticks\n", median(v, REPS));
}

static void bench_null_syscall(void) {
    unsigned long v[REPS];
    for (int r = 0; r < REPS; ++r) {
        unsigned long t0 = rdtsc();
        for (int i = 0; i < 100; ++i) nyan_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0);
        v[r] = (rdtsc() - t0) / 100;
    }
    report("null_syscall", median(v, REPS));
}

static void bench_write_null(void) {
    int fd = open("/dev/null", 0);
    if (fd < 0) return fail("open /dev/null");
    unsigned long v[REPS];
    char c = 'x';
    for (int r = 0; r < REPS; ++r) {
        unsigned long t0 = rdtsc();
        for (int i = 0; i < 100; ++i) nyan_syscall(SYS_WRITE, fd, (long)&c, 1, 0, 0, 0);
        v[r] = (rdtsc() - t0) / 100;
    }
    if (write(fd, &c, 1) != 1) fail("write /dev/null");
    close(fd);
    report("write_devnull_1byte", median(v, REPS));
}

/* Two processes yielding to each other: each yield() of ours is two one-way
 * switches (to the child and back), each with a CR3 change. */
static void bench_yield(void) {
    int pid = start("/bin/bench", "--spin", NULL);
    if (pid < 0) return fail("exec --spin");
    for (int i = 0; i < 10; ++i) yield();
    unsigned long v[REPS];
    for (int r = 0; r < REPS; ++r) {
        unsigned long t0 = rdtsc();
        for (int i = 0; i < 100; ++i) nyan_syscall(SYS_YIELD, 0, 0, 0, 0, 0, 0);
        v[r] = (rdtsc() - t0) / 200;
    }
    kill(pid);
    int status;
    waitpid(pid, &status, 0);
    report("yield_switch_oneway", median(v, REPS));
}

static void bench_spawn(void) {
    unsigned long v[REPS];
    for (int r = 0; r < REPS; ++r) {
        int status = -1;
        unsigned long t0 = rdtsc();
        int pid = start("/bin/true", NULL, NULL);
        if (pid < 0 || waitpid(pid, &status, 0) != pid) return fail("spawn /bin/true");
        v[r] = rdtsc() - t0;
        if (status != 0) return fail("/bin/true status");
    }
    report("spawn_exit_wait", median(v, REPS));
}

static void bench_page_fault(void) {
    const unsigned long pages = 256;
    unsigned long v[REPS];
    for (int r = 0; r < REPS; ++r) {
        volatile char* p = sbrk((intptr_t)(pages * PAGE));
        if (p == (void*)-1) return fail("sbrk");
        /* sbrk returns the old break: start at the first whole page. */
        volatile char* first = (volatile char*)(((unsigned long)p + PAGE - 1) & ~(PAGE - 1));
        unsigned long n = pages - 1;
        unsigned long t0 = rdtsc();
        for (unsigned long i = 0; i < n; ++i) first[i * PAGE] = 1;
        v[r] = (rdtsc() - t0) / n;
        sbrk(-(intptr_t)(pages * PAGE));
    }
    report("page_fault_first_touch", median(v, REPS));
}

/* kill + teardown + reap of a child that touched N heap pages. */
static void bench_exit(unsigned long pages, int reps) {
    unsigned long v[REPS];
    char arg[24];
    snprintf(arg, sizeof(arg), "%lu", pages);
    for (int r = 0; r < reps; ++r) {
        int pid = start("/bin/bench", "--touch", arg);
        if (pid < 0) return fail("exec --touch");
        wait_blocked(pid);
        int status;
        unsigned long t0 = rdtsc();
        kill(pid);
        if (waitpid(pid, &status, 0) != pid) return fail("waitpid --touch");
        v[r] = rdtsc() - t0;
    }
    char name[32];
    snprintf(name, sizeof(name), "exit_%lu_pages", pages);
    report(name, median(v, reps));
}

static long child_report(const char* what) {
    int status = -1;
    int pid = start("/bin/bench", "--report", what);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !NYAN_WIFEXITED(status)) {
        fail("--report");
        return -1;
    }
    return NYAN_WEXITSTATUS(status);
}

/* The frames /bin/pause holds once blocked (process_list: user + tables). */
static long pause_frames(void) {
    int pid = start("/bin/pause", NULL, NULL);
    if (pid < 0) return fail("exec /bin/pause"), -1;
    wait_blocked(pid);
    struct nyan_process_info list[64];
    long pages = -1;
    int n = process_list(list, 64);
    for (int i = 0; i < n; ++i)
        if (list[i].pid == pid) pages = (long)list[i].pages;
    int status;
    kill(pid);
    waitpid(pid, &status, 0);
    return pages;
}

static void bench_memory(void) {
    /* Every SDK program has the same layout (text, rodata, data, stack):
     * the table count of a --report child is that of any minimal process. */
    printf("bench: minimal_process_table_frames %ld frames\n", child_report("tables"));
    printf("bench: minimal_process_frames %ld frames\n", pause_frames());
    /* Text and rodata mapped from the ramdisk, shared by every process that
     * runs the program (not in the figure above). */
    printf("bench: bench_shared_pages %ld pages\n", child_report("shared"));
    printf("bench: kernel_task_bytes %lu bytes\n", g_info.task_bytes);
    printf("bench: kernel_stack_bytes %lu bytes\n", g_info.kernel_stack_bytes);
}

#define MAX_PROCS 16384
static int* g_pids; /* on the heap, so --report children stay small */

static int bench_procs(void) {
    struct nyan_meminfo before, after;
    int n = 0, err = 0;
    g_pids = malloc(MAX_PROCS * sizeof(int));
    if (!g_pids) return fail("malloc"), 1;
    /* Touch the pid array now: the baseline must not count this program's
     * own heap pages. The kernel needs no warm-up: meminfo gives back its
     * caches (kernel stacks, empty heap slabs) before counting. */
    memset(g_pids, 0, MAX_PROCS * sizeof(int));
    meminfo(&before);
    unsigned long t0 = rdtsc();
    while (n < MAX_PROCS) {
        int pid = start("/bin/pause", NULL, NULL);
        if (pid < 0) {
            err = errno;
            break;
        }
        g_pids[n++] = pid;
    }
    unsigned long spawn_ticks = rdtsc() - t0;
    struct nyan_meminfo full;
    meminfo(&full);
    printf("bench: procs_max_concurrent %d processes\n", n);
    printf("bench: procs_exec_error %d errno\n", err);
    printf("bench: procs_frames_each %lu frames\n",
           n ? (before.free_frames - full.free_frames) / (unsigned long)n : 0ul);
    printf("bench: procs_spawn_each %lu ticks\n", n ? spawn_ticks / (unsigned long)n : 0ul);
    for (int i = 0; i < n; ++i) kill(g_pids[i]);
    int reaped = 0, status;
    for (int i = 0; i < n; ++i)
        if (waitpid(g_pids[i], &status, 0) == g_pids[i]) ++reaped;
    meminfo(&after);
    printf("bench: procs_reaped %d processes\n", reaped);
    printf("bench: procs_meminfo_delta %ld frames\n",
           (long)before.free_frames - (long)after.free_frames);
    /* Where a nonzero delta sits: page tables or kernel heap slabs. */
    printf("bench: procs_meminfo_delta_tables %ld frames\n",
           (long)after.page_table_frames - (long)before.page_table_frames);
    printf("bench: procs_meminfo_delta_heap %ld frames\n",
           (long)after.heap_frames - (long)before.heap_frames);
    int ok = err == ENOMEM && reaped == n && after.free_frames == before.free_frames;
    printf("bench: procs_ok %d bool\n", ok);
    return ok ? 0 : 1;
}

/* A --spawn-loop worker's exit status: the CPUs it ran on (bit per index,
 * CPUs 0..6), or this bit alone when a spawn failed. */
#define SPAWN_LOOP_FAILED 0x80

static int spawn_loop(unsigned long count) {
    int seen = 0;
    for (unsigned long i = 0; i < count; ++i) {
        int status = -1;
        int pid = start("/bin/true", NULL, NULL);
        if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) return SPAWN_LOOP_FAILED;
        unsigned cpu = 0;
        if (getcpu(&cpu, NULL) == 0 && cpu < 7) seen |= 1 << cpu;
    }
    return seen;
}

/* N workers (N = online CPUs), each K spawn+exit+wait of /bin/true, started
 * together; the throughput of all of them, from the first exec to the last
 * waitpid. */
static int bench_spawn_rate(unsigned long per_worker) {
    unsigned online = 1;
    if (getcpu(NULL, &online) < 0 || online == 0) return fail("getcpu"), 1;
    if (online > 64) online = 64;
    char arg[24];
    snprintf(arg, sizeof(arg), "%lu", per_worker);
    int pids[64];
    unsigned long t0 = rdtsc();
    for (unsigned i = 0; i < online; ++i) {
        pids[i] = start("/bin/bench", "--spawn-loop", arg);
        if (pids[i] < 0) return fail("exec --spawn-loop"), 1;
    }
    int cpus_used = 0;
    for (unsigned i = 0; i < online; ++i) {
        int status = -1;
        if (waitpid(pids[i], &status, 0) != pids[i] || !NYAN_WIFEXITED(status) ||
            (NYAN_WEXITSTATUS(status) & SPAWN_LOOP_FAILED))
            fail("--spawn-loop");
        else
            cpus_used |= NYAN_WEXITSTATUS(status);
    }
    unsigned long ticks = rdtsc() - t0;
    unsigned long ops = online * per_worker;
    printf("bench: spawn_rate_cpus %u cpus\n", online);
    printf("bench: spawn_rate_cpus_used %d cpus\n", __builtin_popcount((unsigned)cpus_used));
    printf("bench: spawn_rate_ops %lu ops\n", ops);
    printf("bench: spawn_rate_ms %lu ms\n", to_ns(ticks) / 1000000ul);
    printf("bench: spawn_rate %lu ops/s\n",
           ticks ? (unsigned long)((unsigned __int128)ops * g_info.tsc_hz / ticks) : 0ul);
    printf("bench: done %d errors\n", g_failures);
    return g_failures ? 1 : 0;
}

/* The kernel keeps this many freed one-page kernel stacks mapped
 * (kStackCacheSize in kernel/mm/vmm.kernel.cpp): only stacks freed past
 * them are unmapped, each with one shootdown. */
#define STACK_CACHE 64
#define SHOOTDOWN_EXTRA 64 /* stacks freed past the cache per repetition */
#define SHOOTDOWN_REPS 5

static unsigned long per(unsigned long ticks, unsigned long count) {
    return count ? ticks / count : 0;
}

/* Per repetition: meminfo empties the stack cache; STACK_CACHE +
 * SHOOTDOWN_EXTRA /bin/pause processes are started, then killed and reaped,
 * so the first STACK_CACHE stacks freed refill the cache and each of the
 * others is unmapped with a one-page shootdown; a second meminfo unmaps the
 * cached ones with one full shootdown. The figures are per request (the
 * initiator) and per handler run, the medians over the repetitions. */
static int bench_shootdown(void) {
    unsigned online = 1;
    if (getcpu(NULL, &online) < 0) return fail("getcpu"), 1;
    printf("bench: shootdown_cpus %u cpus\n", online);
    if (online < 2) return fail("shootdown needs two CPUs"), 1;
    enum { kProcs = STACK_CACHE + SHOOTDOWN_EXTRA };
    static int pids[kProcs];
    unsigned long initiator[SHOOTDOWN_REPS], handler[SHOOTDOWN_REPS], requests[SHOOTDOWN_REPS];
    unsigned long handled[SHOOTDOWN_REPS], full_initiator[SHOOTDOWN_REPS];
    unsigned long full_handler[SHOOTDOWN_REPS];
    for (int r = 0; r < SHOOTDOWN_REPS; ++r) {
        struct nyan_shootdown_stats a, b, c;
        meminfo(NULL);
        for (int i = 0; i < kProcs; ++i) {
            pids[i] = start("/bin/pause", NULL, NULL);
            if (pids[i] < 0) return fail("exec /bin/pause"), 1;
        }
        if (shootdown_stats(&a) < 0) return fail("shootdown_stats"), 1;
        for (int i = 0; i < kProcs; ++i) kill(pids[i]);
        for (int i = 0, status; i < kProcs; ++i)
            if (waitpid(pids[i], &status, 0) != pids[i]) return fail("waitpid /bin/pause"), 1;
        shootdown_stats(&b);
        meminfo(NULL);
        shootdown_stats(&c);
        requests[r] = b.requests - a.requests;
        handled[r] = b.handled - a.handled;
        initiator[r] = per(b.initiator_ticks - a.initiator_ticks, requests[r]);
        handler[r] = per(b.handler_ticks - a.handler_ticks, handled[r]);
        full_initiator[r] = per(c.initiator_ticks - b.initiator_ticks, c.requests - b.requests);
        full_handler[r] = per(c.handler_ticks - b.handler_ticks, c.handled - b.handled);
    }
    printf("bench: shootdown_requests %lu requests\n", median(requests, SHOOTDOWN_REPS));
    printf("bench: shootdown_handled %lu runs\n", median(handled, SHOOTDOWN_REPS));
    printf("bench: shootdown_initiator %lu instructions\n", median(initiator, SHOOTDOWN_REPS));
    printf("bench: shootdown_handler %lu instructions\n", median(handler, SHOOTDOWN_REPS));
    printf("bench: shootdown_full_initiator %lu instructions\n",
           median(full_initiator, SHOOTDOWN_REPS));
    printf("bench: shootdown_full_handler %lu instructions\n",
           median(full_handler, SHOOTDOWN_REPS));
    printf("bench: done %d errors\n", g_failures);
    return g_failures ? 1 : 0;
}

/* The null system call and the one-way yield switch, more operations per
 * sample and more samples than the figures: without icount each sample is
 * host time, and the median of many rides out the host's hiccups. */
#define WALL_REPS 31
static int bench_kpti_wall(void) {
    unsigned long v[WALL_REPS];
    for (int r = 0; r < WALL_REPS; ++r) {
        unsigned long t0 = rdtsc();
        for (int i = 0; i < 1000; ++i) nyan_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0);
        v[r] = (rdtsc() - t0) / 1000;
    }
    printf("bench: null_syscall %lu ticks\n", median(v, WALL_REPS));
    int pid = start("/bin/bench", "--spin", NULL);
    if (pid < 0) {
        fail("exec --spin");
        return 1;
    }
    for (int i = 0; i < 10; ++i) yield();
    for (int r = 0; r < WALL_REPS; ++r) {
        unsigned long t0 = rdtsc();
        for (int i = 0; i < 500; ++i) nyan_syscall(SYS_YIELD, 0, 0, 0, 0, 0, 0);
        v[r] = (rdtsc() - t0) / 1000;
    }
    kill(pid);
    int status;
    waitpid(pid, &status, 0);
    printf("bench: yield_switch_oneway %lu ticks\n", median(v, WALL_REPS));
    printf("bench: done %d errors\n", g_failures);
    return g_failures ? 1 : 0;
}

int main(int argc, char** argv) {
    unsigned long start_tsc = rdtsc();
    if (argc > 1 && strcmp(argv[1], "--spin") == 0)
        for (;;) nyan_syscall(SYS_YIELD, 0, 0, 0, 0, 0, 0);
    if (argc > 2 && strcmp(argv[1], "--spawn-loop") == 0)
        return spawn_loop(strtoul(argv[2], NULL, 10));
    if (argc > 2 && strcmp(argv[1], "--touch") == 0) {
        unsigned long pages = strtoul(argv[2], NULL, 10);
        volatile char* p = sbrk((intptr_t)((pages + 1) * PAGE));
        if (p == (void*)-1) return 1;
        for (unsigned long i = 0; i < pages; ++i) p[i * PAGE] = 1;
        char c;
        for (;;) read(0, &c, 1);
    }
    if (system_info(&g_info) < 0) {
        printf("bench: error system_info (errno %d)\n", errno);
        return 1;
    }
    if (argc > 2 && strcmp(argv[1], "--report") == 0)
        return (int)(strcmp(argv[2], "tables") == 0   ? g_info.table_frames
                     : strcmp(argv[2], "shared") == 0 ? g_info.shared_pages
                                                      : g_info.user_frames);

    printf("bench: tsc_hz %lu hz\n", g_info.tsc_hz);
    if (argc > 1 && strcmp(argv[1], "procs") == 0) return bench_procs();
    if (argc > 2 && strcmp(argv[1], "spawn-rate") == 0)
        return bench_spawn_rate(strtoul(argv[2], NULL, 10));
    if (argc > 1 && strcmp(argv[1], "shootdown") == 0) return bench_shootdown();
    if (argc > 1 && strcmp(argv[1], "kpti-wall") == 0) return bench_kpti_wall();

    if (getpid() == 1) report("boot_to_init", start_tsc - g_info.kernel_entry_tsc);
    printf("bench: pcid_enabled %d bool\n", (g_info.flags & NYAN_SYSINFO_PCID) ? 1 : 0);
    bench_tsc_check();
    bench_null_syscall();
    bench_write_null();
    bench_yield();
    bench_spawn();
    bench_page_fault();
    bench_exit(1, REPS);
    bench_exit(64, REPS);
    bench_exit(4096, 7);
    bench_memory();
    printf("bench: done %d errors\n", g_failures);
    return g_failures ? 1 : 0;
}
