/* tlb-test [CHILDREN] [ROUNDS]: looks for stale TLB entries across processes
 * and within one. It starts CHILDREN copies of itself (default 4) that run at
 * once; each, ROUNDS times (default 2000):
 *   - writes its own value (derived from its index and the round) to a
 *     global in .data and to a heap page, at the same virtual addresses in
 *     every copy, gives up the CPU (yield, or a busy spin long enough to be
 *     preempted by the timer now and then), and reads both back;
 *   - every 16th round, returns the heap page with sbrk and maps it again: the
 *     page must read as zero (a stale translation would show the old frame).
 * The parent also execs and reaps short-lived copies meanwhile, so frames and
 * address spaces are recycled while the others run. Prints "tlb-test ok N
 * switches" (exit 0) or "tlb-test BROKEN ..." (exit 1). */
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ul
volatile unsigned long g_cell = 0;

static int child(unsigned long index, long rounds) {
    volatile unsigned long* heap = sbrk(0);
    if ((unsigned long)heap & (PAGE - 1)) sbrk((intptr_t)(PAGE - ((unsigned long)heap & (PAGE - 1))));
    heap = sbrk((intptr_t)PAGE);
    if (heap == (void*)-1) return 2;
    for (long r = 0; r < rounds; ++r) {
        unsigned long v = (index << 32) | (unsigned long)r;
        g_cell = v;
        heap[0] = ~v;
        if (r & 1) {
            yield();
        } else {
            for (volatile int spin = 0; spin < 2000 + (int)(index * 300); ++spin) {
            }
        }
        if (g_cell != v || heap[0] != ~v) {
            printf("tlb-test BROKEN: child %lu round %ld: data %lx heap %lx, expected %lx\n",
                   index, r, g_cell, ~heap[0], v);
            return 1;
        }
        if (r % 16 == 15) {
            sbrk(-(intptr_t)PAGE);
            yield();
            heap = sbrk((intptr_t)PAGE);
            if (heap == (void*)-1) return 2;
            if (heap[0] != 0) {
                printf("tlb-test BROKEN: child %lu round %ld: re-mapped heap page reads %lx\n",
                       index, r, heap[0]);
                return 1;
            }
        }
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 3 && strcmp(argv[1], "--child") == 0)
        return child(strtoul(argv[2], NULL, 10), strtol(argv[3], NULL, 10));
    int children = argc > 1 ? atoi(argv[1]) : 4;
    long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    if (children < 1 || children > 32) children = 4;
    int pids[32];
    char index[16], count[24];
    snprintf(count, sizeof(count), "%ld", rounds);
    for (int i = 0; i < children; ++i) {
        snprintf(index, sizeof(index), "%d", i + 1);
        char* args[] = {"tlb-test", "--child", index, count, NULL};
        pids[i] = exec("/bin/tlb-test", args);
        if (pids[i] < 0) {
            printf("tlb-test BROKEN: exec failed\n");
            return 1;
        }
    }
    /* Churn while they run: short-lived copies reuse frames and spaces. */
    int churned = 0;
    for (int i = 0; i < 40; ++i) {
        char* args[] = {"tlb-test", "--child", "99", "20", NULL};
        int pid = exec("/bin/tlb-test", args);
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) {
            printf("tlb-test BROKEN: churn child failed (status %d)\n", status);
            return 1;
        }
        ++churned;
    }
    int bad = 0;
    for (int i = 0; i < children; ++i) {
        int status;
        if (waitpid(pids[i], &status, 0) != pids[i] || status != 0) {
            printf("tlb-test BROKEN: child %d ended with status 0x%x\n", i + 1, status);
            ++bad;
        }
    }
    if (bad) return 1;
    printf("tlb-test ok %d children x %ld rounds, %d churned\n", children, rounds, churned);
    return 0;
}
