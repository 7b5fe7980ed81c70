/* memhog [MAX_MIB]: grows the heap 1 MiB at a time, touching every page,
 * until the kernel says no (or MAX_MIB is reached), then exits 0; the kernel
 * reclaims everything at exit. Prints "memhog got N KiB (ENOMEM)" or
 * "memhog got N KiB (limit)". */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
    long max_mib = argc > 1 ? strtol(argv[1], NULL, 10) : -1;
    const long chunk = 1024 * 1024;
    long got = 0;
    const char* why = "limit";
    while (max_mib < 0 || got < max_mib * chunk) {
        char* p = (char*)sbrk(chunk);
        if (p == (char*)-1) {
            why = strerrorname_np(errno);
            break;
        }
        for (long off = 0; off < chunk; off += 4096) p[off] = (char)off;
        got += chunk;
    }
    printf("memhog got %ld KiB (%s)\n", got / 1024, why);
    return 0;
}
