/* sbrk-test [PAGES] [--touch-freed]: grows the break by PAGES pages (default
 * 64), writes and checks a pattern on every page, shrinks it back, and checks
 * with meminfo that the kernel gave the frames and took them back.
 * Prints "sbrk-test PAGES ok ..." and exits 0, or "sbrk-test FAILED: ..." and 1.
 * --touch-freed then reads the released memory: the kernel must kill it
 * (SIGSEGV); surviving prints "sbrk-test FAILED: freed memory still mapped". */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define kPage 4096

static int failed(const char* what) {
    printf("sbrk-test FAILED: %s\n", what);
    return 1;
}

int main(int argc, char** argv) {
    long pages = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
    int touch_freed = argc > 2 && !strcmp(argv[2], "--touch-freed");
    if (pages <= 0) return failed("PAGES must be positive");

    long free0 = meminfo(NULL);
    char* before = (char*)sbrk(0);
    char* base = (char*)sbrk(pages * kPage);
    if (base == (char*)-1) {
        printf("sbrk-test FAILED: sbrk(%ld pages): %s\n", pages, strerror(errno));
        return 1;
    }
    if (base != before) return failed("sbrk did not return the previous break");
    if ((char*)sbrk(0) != base + pages * kPage) return failed("the break did not move");
    for (long i = 0; i < pages; ++i) {
        unsigned long* p = (unsigned long*)(base + i * kPage);
        p[0] = 0x5a5a0000ul + (unsigned long)i;
        p[kPage / sizeof(long) - 1] = ~(unsigned long)i;
    }
    for (long i = 0; i < pages; ++i) {
        unsigned long* p = (unsigned long*)(base + i * kPage);
        if (p[0] != 0x5a5a0000ul + (unsigned long)i || p[kPage / sizeof(long) - 1] != ~(unsigned long)i)
            return failed("pattern mismatch");
    }
    long free1 = meminfo(NULL);
    if (sbrk(-pages * kPage) == (void*)-1) {
        printf("sbrk-test FAILED: shrinking: %s\n", strerror(errno));
        return 1;
    }
    if ((char*)sbrk(0) != base) return failed("the break did not come back");
    long free2 = meminfo(NULL);
    long used = free0 - free1, released = free2 - free1;
    if (free0 >= 0 && used < pages) return failed("meminfo did not drop by PAGES frames");
    if (free0 >= 0 && released < pages) return failed("shrinking did not free the frames");
    printf("sbrk-test %ld ok used=%ld released=%ld\n", pages, used, released);
    if (touch_freed) {
        printf("sbrk-test: touching freed memory at %p\n", (void*)base);
        volatile char* p = base;
        (void)*p;
        return failed("freed memory still mapped");
    }
    return 0;
}
