/* abi-test: checks the process-start layout and the system-call register
 * contract from the user side. Prints "abi-test ok" (exit 0) or the failed
 * checks and "abi-test FAILED N" (exit 1).
 * - RSP at entry is 16-byte aligned and below the stack top 0x1000000;
 * - argv[argc] and the end of envp are NULL, the auxv follows, ending in
 *   AT_NULL;
 * - a syscall preserves every register but rax, rcx and r11. */
#include <nyan.h>
#include <stdint.h>
#include <stdio.h>

extern uintptr_t __nyan_initial_sp; /* saved by crt0 */
/* regs.S: returns a bit mask of the registers a getpid syscall changed
 * (bit order: rbx rbp r12 r13 r14 r15 rdi rsi rdx r8 r9 r10). */
unsigned long abi_clobbered_registers(void);

static int g_failures;

static void check(int ok, const char* what) {
    if (!ok) {
        printf("abi-test: %s\n", what);
        ++g_failures;
    }
}

int main(int argc, char** argv, char** envp) {
    check(__nyan_initial_sp % 16 == 0, "entry RSP is not 16-byte aligned");
    check(__nyan_initial_sp < NYAN_USER_STACK_TOP && __nyan_initial_sp > NYAN_USER_BASE,
          "entry RSP is not below the stack top");
    check(*(long*)__nyan_initial_sp == argc, "argc is not at entry RSP");
    check(argv[argc] == NULL, "argv is not NULL-terminated");
    char** e = envp;
    while (*e) ++e;
    unsigned long* auxv = (unsigned long*)(e + 1);
    int aux_entries = 0;
    while (auxv[0] != 0 && aux_entries < 64) {
        auxv += 2;
        ++aux_entries;
    }
    check(aux_entries < 64, "auxv does not end in AT_NULL");
    unsigned long clobbered = abi_clobbered_registers();
    static const char* const kNames[] = {"rbx", "rbp", "r12", "r13", "r14", "r15",
                                         "rdi", "rsi", "rdx", "r8",  "r9",  "r10"};
    for (int i = 0; i < 12; ++i) {
        if (clobbered & (1ul << i)) {
            printf("abi-test: syscall changed %s\n", kNames[i]);
            ++g_failures;
        }
    }
    if (g_failures) {
        printf("abi-test FAILED %d\n", g_failures);
        return 1;
    }
    printf("abi-test ok (argc=%d, %d auxv entries)\n", argc, aux_entries);
    return 0;
}
