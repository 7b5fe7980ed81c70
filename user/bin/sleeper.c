/* sleeper [MS]: sleeps MS milliseconds (default 1000) and reports how long
 * the sleep took by get_time. Exits 1 if it woke up early. */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
    unsigned long ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    unsigned long start = get_time();
    if (sleep(ms) < 0) {
        printf("sleeper: sleep failed: %s\n", strerror(errno));
        return 1;
    }
    unsigned long took = get_time() - start;
    printf("sleeper slept %lu ms (asked %lu)\n", took, ms);
    return took + 1 >= ms ? 0 : 1; /* one tick of slack for the clock's rounding */
}
