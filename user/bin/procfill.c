/* procfill [ROUNDS] [PROG [ARG...]]: fills memory with processes and checks
 * that killing them gives every frame back. Each round (default 2) execs
 * PROG (default `/bin/sleeper 86400000`, a process asleep for a day) until
 * exec fails with ENOMEM, then kills and reaps every child and reads meminfo.
 * The baseline is read once, before the first round, with no warm-up: the
 * free-frame count after every round must equal it exactly.
 *
 * Prints per round `procfill: round R: N processes, free BASE -> LOW -> AFTER
 * (page-table frames +P, kernel heap frames +H)`, then
 * `procfill: free_frames baseline=B round1=F1 round2=F2 ...` and
 * `procfill ok` or `procfill FAILED`; exits 0 only when every count is exact,
 * every exec ended in ENOMEM and every child was reaped. */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROCS 16384
#define MAX_ROUNDS 8

static int g_pids[MAX_PROCS];

/* One fill-and-kill round; returns the number of processes it held, or -1. */
static int round_trip(char* const* child_argv, struct nyan_meminfo* full) {
    int n = 0, err = 0;
    while (n < MAX_PROCS) {
        int pid = exec(child_argv[0], child_argv);
        if (pid < 0) {
            err = errno;
            break;
        }
        g_pids[n++] = pid;
    }
    meminfo(full);
    int ok = 1;
    if (err != ENOMEM) {
        printf("procfill: exec %d ended with %s, expected ENOMEM\n", n + 1,
               err ? strerrorname_np(err) : "no error");
        ok = 0;
    }
    for (int i = 0; i < n; ++i)
        if (kill(g_pids[i]) < 0 && errno != ESRCH) {
            printf("procfill: kill %d: %s\n", g_pids[i], strerrorname_np(errno));
            ok = 0;
        }
    for (int i = 0; i < n; ++i) {
        int status = 0;
        if (waitpid(g_pids[i], &status, 0) != g_pids[i]) {
            printf("procfill: waitpid %d: %s\n", g_pids[i], strerrorname_np(errno));
            ok = 0;
            continue;
        }
        /* A child that had not yet run when memory ran out may be killed by
         * its first stack fault (SIGSEGV) before our SIGKILL. */
        int sig = NYAN_WIFSIGNALED(status) ? NYAN_WTERMSIG(status) : 0;
        if (sig != NYAN_SIGKILL && sig != NYAN_SIGSEGV) {
            printf("procfill: child %d ended with status %#x\n", g_pids[i], status);
            ok = 0;
        }
    }
    return ok ? n : -1;
}

int main(int argc, char** argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 2;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        printf("usage: procfill [ROUNDS 1..%d] [PROG [ARG...]]\n", MAX_ROUNDS);
        return 2;
    }
    static char* default_child[] = {(char*)"/bin/sleeper", (char*)"86400000", NULL};
    char* const* child_argv = argc > 2 ? argv + 2 : default_child;

    /* Our own memory must not move the count: the pid array is touched and
     * printf's buffer and stack are in use before the baseline. */
    memset(g_pids, 0, sizeof g_pids);
    printf("procfill: %d rounds of %s\n", rounds, child_argv[0]);
    struct nyan_meminfo base;
    if (meminfo(&base) < 0) {
        printf("procfill: meminfo: %s\n", strerrorname_np(errno));
        return 1;
    }

    unsigned long after[MAX_ROUNDS];
    int ok = 1;
    for (int r = 0; r < rounds; ++r) {
        struct nyan_meminfo full, end;
        int n = round_trip(child_argv, &full);
        meminfo(&end);
        after[r] = end.free_frames;
        printf(
            "procfill: round %d: %d processes, free %lu -> %lu -> %lu (page-table frames "
            "%+ld, kernel heap frames %+ld)\n",
            r + 1, n, base.free_frames, full.free_frames, end.free_frames,
            (long)(end.page_table_frames - base.page_table_frames),
            (long)(end.heap_frames - base.heap_frames));
        if (n <= 0 || end.free_frames != base.free_frames) ok = 0;
    }
    printf("procfill: free_frames baseline=%lu", base.free_frames);
    for (int r = 0; r < rounds; ++r) printf(" round%d=%lu", r + 1, after[r]);
    printf("\nprocfill %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
