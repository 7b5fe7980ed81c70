/* Process start (System V AMD64). At entry RSP points to argc, followed by
 * the argv pointers, NULL, the envp pointers, NULL, then the auxv pairs; RSP
 * is 16-byte aligned and no register holds anything we need.
 *
 * _start is weak: a program that must look at the registers it started with
 * (/bin/fpu-probe) defines its own _start and jumps to __nyan_crt0_start
 * with RSP untouched. */
    .section .text._start, "ax", @progbits
    .weak _start
    .globl __nyan_crt0_start
    .type _start, @function
    .type __nyan_crt0_start, @function
_start:
__nyan_crt0_start:
    xor %ebp, %ebp              /* the outermost frame, for backtraces */
    mov %rsp, __nyan_initial_sp(%rip) /* for tests of the start layout */
    mov (%rsp), %rdi            /* argc */
    lea 8(%rsp), %rsi           /* argv */
    lea 8(%rsi,%rdi,8), %rdx    /* envp: after argv's NULL */
    and $-16, %rsp              /* already aligned by the ABI; stay safe */
    call __nyan_start           /* never returns */
    ud2
    .size _start, . - _start

    .bss
    .balign 8
    .globl __nyan_initial_sp
__nyan_initial_sp:
    .quad 0

    .section .note.GNU-stack, "", @progbits
