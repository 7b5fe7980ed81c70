/* spin [MS]: burns the CPU for MS milliseconds (default 1000) without any
 * system call but get_time, for preemption tests; then prints how many loop
 * rounds it managed. */
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    unsigned long ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    unsigned long start = get_time();
    unsigned long rounds = 0;
    while (get_time() - start < ms) {
        for (volatile int i = 0; i < 10000; ++i) {
        }
        ++rounds;
    }
    printf("spin %lu ms done (%lu rounds, pid %d)\n", ms, rounds, getpid());
    return 0;
}
