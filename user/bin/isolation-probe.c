/* isolation-probe [VALUE] [ROUNDS] [MS]: stores VALUE (default: derived from
 * the pid) in a global in .data, on the stack and on the heap, then sleeps MS
 * ms (default 20; 0 means yield) ROUNDS times (default 10), checking after each
 * round that it still reads its own value. Every instance uses the same virtual
 * addresses, so two copies running at once must each keep their own value.
 * Prints "isolation ok VALUE" (exit 0) or "isolation BROKEN ..." (exit 1). */
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>

volatile unsigned long g_probe = 0x1234; /* .data: the same address in every copy */

int main(int argc, char** argv) {
    unsigned long value =
        argc > 1 ? strtoul(argv[1], NULL, 0) : 0xca7000ul + (unsigned long)getpid();
    long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
    unsigned long ms = argc > 3 ? strtoul(argv[3], NULL, 10) : 20;

    volatile unsigned long on_stack = value;
    volatile unsigned long* on_heap = (volatile unsigned long*)malloc(sizeof(unsigned long));
    if (!on_heap) {
        puts("isolation BROKEN: malloc failed");
        return 1;
    }
    *on_heap = value;
    g_probe = value;
    for (long r = 0; r < rounds; ++r) {
        if (ms)
            sleep(ms);
        else
            yield();
        if (g_probe != value || on_stack != value || *on_heap != value) {
            printf("isolation BROKEN: expected %lu, saw data=%lu stack=%lu heap=%lu (round %ld)\n",
                   value, g_probe, on_stack, *on_heap, r);
            return 1;
        }
    }
    printf("isolation ok %lu (data at %p)\n", value, (void*)&g_probe);
    return 0;
}
