/* A Linux hello world for the ELF validator's personality tests: mk/corpus.mk
 * builds it with musl-gcc -static, as a musl static-PIE and with glibc's
 * gcc -static-pie. The thread-local counter gives each build a PT_TLS. It
 * carries no NyanOS ABI note, so it is a Linux program; the host tests only
 * validate it, never run it. */
#include <stdio.h>

static _Thread_local int calls = 41;

int main(void) {
    printf("hello from a Linux program, %d\n", ++calls);
    return 0;
}
