/* readkernel [kernel|hhdm|write|ADDRESS]: reads a kernel-half address from
 * user mode. The kernel must kill it (SIGSEGV); if the read succeeds it prints
 * "readkernel: NOT ISOLATED ..." and exits 1.
 *   kernel  the kernel image, 0xffffffff80000000 (default)
 *   hhdm    the direct map of physical memory, 0xffff800000000000
 *   write   writes to the kernel image instead of reading */
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "kernel";
    unsigned long addr = 0xffffffff80000000ul;
    int do_write = 0;
    if (!strcmp(mode, "hhdm"))
        addr = 0xffff800000000000ul;
    else if (!strcmp(mode, "write"))
        do_write = 1;
    else if (strcmp(mode, "kernel"))
        addr = strtoul(mode, NULL, 0);
    printf("readkernel: %s %#lx\n", do_write ? "writing" : "reading", addr);
    volatile unsigned long* p = (volatile unsigned long*)addr;
    if (do_write) {
        *p = 0;
        printf("readkernel: NOT ISOLATED: wrote %#lx\n", addr);
    } else {
        unsigned long v = *p;
        printf("readkernel: NOT ISOLATED: %#lx = %#lx\n", addr, v);
    }
    return 1;
}
