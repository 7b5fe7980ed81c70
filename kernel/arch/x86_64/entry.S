// The kernel's first instruction. Both loaders enter here in long mode with
// RDI = the BootInfo (HHDM address) and RSP = the top of the boot stack.
    .section .text.entry, "ax"
    .globl _start
    .type _start, @function
_start:
    cli
    xor %ebp, %ebp          // terminates backtraces
    and $-16, %rsp
    call kernel_main        // never returns
1:  hlt
    jmp 1b
    .size _start, . - _start
    .section .note.GNU-stack,"",@progbits
