/* A real static program for the ELF validator's host test: compiled by the
 * host gcc and linked by GNU ld at 0x400000 with -z max-page-size=0x1000
 * -z separate-code (see mk/corpus.mk), so it has the segment layout the
 * toolchain really produces: headers R--, text R-X, rodata R--, data+bss RW-.
 * It exits with status 42 through NyanOS's exit (syscall 8); it never runs on
 * the host. Built without the SDK, it carries the NyanOS ABI note itself, the
 * way include/nyanos/abi/note.h tells such programs to (GNU ld's default
 * linker script gives the SHT_NOTE section a PT_NOTE header). */
__asm__(
    ".pushsection .note.nyanos, \"a\", @note\n"
    ".balign 4\n"
    ".long 7, 4, 1\n" /* namesz, descsz, type */
    ".asciz \"NyanOS\"\n"
    ".balign 4\n"
    ".long 1\n" /* the ABI version */
    ".popsection");

static const char greeting[] = "nyan";
int counter = 38;
char scratch[8192];

void _start(void) {
    scratch[100] = (char)(greeting[counter % 4] - 'a' + 4); /* reads .rodata: greeting[2] is 'a' */
    long status = counter + scratch[100];
    __asm__ volatile("syscall" : : "a"(8L), "D"(status) : "rcx", "r11", "memory");
    for (;;) {
    }
}
