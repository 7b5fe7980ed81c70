/* fault MODE: raises one CPU exception in user mode; the kernel must kill this
 * process alone with the matching signal and carry on. Prints "fault: MODE"
 * first; if it survives, prints "fault: MODE survived" and exits 1.
 *
 *   null         read address 0                  SIGSEGV (page fault)
 *   write-text   write to its own code           SIGSEGV (page fault, R-X)
 *   write-rodata write to its read-only data     SIGSEGV (page fault, R--)
 *   exec-data    jump into .data                 SIGSEGV (page fault, NX)
 *   exec-stack   jump onto the stack             SIGSEGV (page fault, NX)
 *   stack        unbounded recursion             SIGSEGV (page fault below the stack)
 *   noncanon     read a non-canonical address    SIGSEGV (general protection)
 *   cli / hlt    privileged instructions         SIGSEGV (general protection)
 *   inb          port I/O                        SIGSEGV (general protection)
 *   ud2          invalid opcode                  SIGILL
 *   div0         integer divide by zero          SIGFPE
 *   int3         breakpoint                      SIGTRAP
 *   trap-flag    set TF: a #DB after one step    SIGTRAP */
#include <stdio.h>
#include <string.h>

static const char g_rodata[16] = "read only";
static unsigned char g_code_in_data[16] = {0xc3}; /* ret */

/* Recurses with a big frame until the stack runs out. The limit (1 TiB of
 * frames) is never reached; it only tells the compiler the recursion ends. */
static unsigned long recurse(unsigned long depth) {
    volatile char frame[4096];
    frame[0] = (char)depth;
    if (depth > (1ul << 28)) return frame[0];
    return recurse(depth + 1) + frame[0];
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: fault MODE (see the source for the list)\n");
        return 2;
    }
    const char* m = argv[1];
    printf("fault: %s\n", m);
    if (!strcmp(m, "null")) {
        (void)*(volatile int*)0;
    } else if (!strcmp(m, "write-text")) {
        *(volatile unsigned char*)(void*)&main = 0x90;
    } else if (!strcmp(m, "write-rodata")) {
        *(volatile char*)(void*)g_rodata = 'X';
    } else if (!strcmp(m, "exec-data")) {
        ((void (*)(void))(void*)g_code_in_data)();
    } else if (!strcmp(m, "exec-stack")) {
        volatile unsigned char code[16] = {0xc3};
        ((void (*)(void))(void*)code)();
    } else if (!strcmp(m, "stack")) {
        printf("%lu\n", recurse(0));
    } else if (!strcmp(m, "noncanon")) {
        (void)*(volatile int*)0x8000000000000000ul;
    } else if (!strcmp(m, "cli")) {
        __asm__ volatile("cli");
    } else if (!strcmp(m, "hlt")) {
        __asm__ volatile("hlt");
    } else if (!strcmp(m, "inb")) {
        unsigned char v;
        __asm__ volatile("inb $0x60, %0" : "=a"(v));
        (void)v;
    } else if (!strcmp(m, "ud2")) {
        __asm__ volatile("ud2");
    } else if (!strcmp(m, "div0")) {
        __asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\tdiv %%ecx"
                         :
                         :
                         : "rax", "rcx", "rdx");
    } else if (!strcmp(m, "int3")) {
        __asm__ volatile("int3");
    } else if (!strcmp(m, "trap-flag")) {
        // TF set: #DB after the next instruction.
        __asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop" ::: "memory", "cc");
    } else {
        fprintf(stderr, "fault: unknown mode %s\n", m);
        return 2;
    }
    printf("fault: %s survived\n", m);
    return 1;
}
