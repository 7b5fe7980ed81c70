/* cycles [N] [PROGRAM]: runs exec/waitpid of PROGRAM (default /bin/true) N
 * times (default 100) and compares meminfo's free frames before and after.
 * One warm-up run comes first, so one-time kernel allocations (a grown kernel
 * heap, a cached file) do not count. Prints "cycles N leaked=K" and exits 0
 * only when K is 0 and every run exited with status 0. */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_once(const char* path) {
    char* argv[] = {(char*)path, NULL};
    int pid = exec(path, argv);
    if (pid < 0) {
        printf("cycles: exec %s: %s\n", path, strerror(errno));
        return -1;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        printf("cycles: waitpid %d: %s\n", pid, strerror(errno));
        return -1;
    }
    if (status != 0) {
        printf("cycles: %s ended with status %#x\n", path, status);
        return -1;
    }
    return 0;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    const char* path = argc > 2 ? argv[2] : "/bin/true";
    if (run_once(path) < 0) return 1;
    long before = meminfo(NULL);
    if (before < 0) {
        printf("cycles: meminfo: %s\n", strerror(errno));
        return 1;
    }
    unsigned long start = get_time();
    for (long i = 0; i < n; ++i)
        if (run_once(path) < 0) return 1;
    unsigned long took = get_time() - start;
    long after = meminfo(NULL);
    long leaked = before - after;
    printf("cycles %ld leaked=%ld (free_frames %ld -> %ld, %lu ms)\n", n, leaked, before, after,
           took);
    return leaked == 0 ? 0 : 1;
}
