/* sdk-demo: a user's own program, compiled at test time by scripts/nyan-cc
 * (test/qemu/cases/sdk.py), added with INITRD_EXTRA and run as init= with
 * arguments: sdk-demo STATUS N [WORD...].
 *
 * Prints its argv, sums the primes below N with a sieve on the heap (malloc
 * over sbrk), starts /bin/sdk-demo-cxx (also built by nyan-cc) and reports
 * how it ended, then exits with STATUS. */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long sum_primes_below(unsigned long n) {
    char* composite = calloc(n + 1, 1);
    if (!composite) {
        printf("sdk-demo: calloc(%lu) failed\n", n + 1);
        exit(99);
    }
    unsigned long sum = 0;
    for (unsigned long i = 2; i < n; ++i) {
        if (composite[i]) continue;
        sum += i;
        for (unsigned long j = i * i; j < n; j += i) composite[j] = 1;
    }
    free(composite);
    return sum;
}

int main(int argc, char** argv) {
    printf("sdk-demo: argc=%d\n", argc);
    for (int i = 0; i < argc; ++i) printf("sdk-demo: argv[%d]=%s\n", i, argv[i]);
    if (argc < 3) {
        printf("usage: sdk-demo STATUS N [WORD...]\n");
        return 2;
    }
    int status = atoi(argv[1]);
    unsigned long n = strtoul(argv[2], NULL, 10);
    printf("sdk-demo: primes below %lu sum to %lu\n", n, sum_primes_below(n));

    char* child_argv[] = {"sdk-demo-cxx", "7", NULL};
    int pid = exec("/bin/sdk-demo-cxx", child_argv);
    if (pid < 0) {
        printf("sdk-demo: exec /bin/sdk-demo-cxx: %s\n", strerror(errno));
        return 98;
    }
    int child_status = 0;
    if (waitpid(pid, &child_status, 0) != pid) {
        printf("sdk-demo: waitpid: %s\n", strerror(errno));
        return 97;
    }
    if (NYAN_WIFEXITED(child_status))
        printf("sdk-demo: sdk-demo-cxx exited %d\n", NYAN_WEXITSTATUS(child_status));
    else
        printf("sdk-demo: sdk-demo-cxx was killed\n");
    return status;
}
