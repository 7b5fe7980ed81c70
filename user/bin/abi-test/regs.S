/* unsigned long abi_clobbered_registers(void): loads known values into every
 * register the syscall contract says is preserved, makes a getpid system
 * call, and returns a mask of the registers that changed. */
#include <nyanos/abi/syscall.h>

    .text
    .globl abi_clobbered_registers
    .type abi_clobbered_registers, @function
abi_clobbered_registers:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    movabs $0x1111111111111101, %rbx
    movabs $0x1111111111111102, %rbp
    movabs $0x1111111111111103, %r12
    movabs $0x1111111111111104, %r13
    movabs $0x1111111111111105, %r14
    movabs $0x1111111111111106, %r15
    movabs $0x1111111111111107, %rdi
    movabs $0x1111111111111108, %rsi
    movabs $0x1111111111111109, %rdx
    movabs $0x111111111111110a, %r8
    movabs $0x111111111111110b, %r9
    movabs $0x111111111111110c, %r10
    mov $SYS_GETPID, %eax
    syscall
    xor %eax, %eax
    movabs $0x1111111111111101, %rcx
    cmp %rcx, %rbx
    je 1f
    or $0x1, %eax
1:  movabs $0x1111111111111102, %rcx
    cmp %rcx, %rbp
    je 1f
    or $0x2, %eax
1:  movabs $0x1111111111111103, %rcx
    cmp %rcx, %r12
    je 1f
    or $0x4, %eax
1:  movabs $0x1111111111111104, %rcx
    cmp %rcx, %r13
    je 1f
    or $0x8, %eax
1:  movabs $0x1111111111111105, %rcx
    cmp %rcx, %r14
    je 1f
    or $0x10, %eax
1:  movabs $0x1111111111111106, %rcx
    cmp %rcx, %r15
    je 1f
    or $0x20, %eax
1:  movabs $0x1111111111111107, %rcx
    cmp %rcx, %rdi
    je 1f
    or $0x40, %eax
1:  movabs $0x1111111111111108, %rcx
    cmp %rcx, %rsi
    je 1f
    or $0x80, %eax
1:  movabs $0x1111111111111109, %rcx
    cmp %rcx, %rdx
    je 1f
    or $0x100, %eax
1:  movabs $0x111111111111110a, %rcx
    cmp %rcx, %r8
    je 1f
    or $0x200, %eax
1:  movabs $0x111111111111110b, %rcx
    cmp %rcx, %r9
    je 1f
    or $0x400, %eax
1:  movabs $0x111111111111110c, %rcx
    cmp %rcx, %r10
    je 1f
    or $0x800, %eax
1:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size abi_clobbered_registers, . - abi_clobbered_registers

    .section .note.GNU-stack, "", @progbits
