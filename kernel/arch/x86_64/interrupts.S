// Interrupt entry: one 16-byte stub per vector pushes a zero error code
// (unless the CPU pushed one) and the vector, then the common path saves the
// general registers in the order of struct InterruptFrame
// (interrupt_frame.h), calls arch_interrupt_dispatch(frame) and returns with
// iretq. GS is swapped on entry from and on return to user mode, so kernel
// code always runs with the kernel's GS base.
//
// #DB, NMI and #MC can arrive anywhere, between `syscall` and its SWAPGS
// included (NMI and #MC on IST stacks): there the saved CS says "kernel"
// while GS still holds the user's base. Their entry (paranoid_entry)
// therefore decides by reading IA32_GS_BASE itself: a kernel GS base is a
// higher-half address (bit 63 set), a user one never is (user code cannot
// set a base: no FSGSBASE, and every user segment has base 0).

#include "arch/x86_64/general_registers.inc"
#include "arch/x86_64/speculation.inc"

    .section .text
    .balign 16
    .globl arch_interrupt_stubs
arch_interrupt_stubs:
    .set vector, 0
    .rept 256
    // Each stub starts at a multiple of 16 (idt.cpp relies on it); .org
    // fails to assemble if a stub grew past its slot.
    .org arch_interrupt_stubs + vector * 16, 0xcc
    // Vectors for which the CPU pushes an error code.
    .if (vector == 8) || (vector == 10) || (vector == 11) || (vector == 12) || (vector == 13) || (vector == 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    // jmp rel32, spelled out so every stub has a fixed size.
    .byte 0xe9
    .long interrupt_common - . - 4
    .set vector, vector + 1
    .endr
    .org arch_interrupt_stubs + 256 * 16, 0xcc

    .type interrupt_common, @function
interrupt_common:
    // Stack: vector, error_code, rip, cs, rflags, rsp, ss.
    cmpq $1, (%rsp)             // #DB
    je paranoid_entry
    cmpq $2, (%rsp)             // NMI
    je paranoid_entry
    cmpq $18, (%rsp)            // #MC
    je paranoid_entry
    testb $3, 24(%rsp)
    jz 1f
    swapgs
    // Both ways past a conditional swapgs: the CPU may speculate the swap
    // (or its skip) and read through the wrong GS base (CVE-2019-1125);
    // nothing after the fence runs before the branch is resolved.
1:  lfence
    PUSH_GENERAL_REGISTERS
    cld
    // The CPU aligned the stack to 16 before pushing its five words; with
    // 17 more the frame start is 16-byte aligned, as the call needs.
    movq %rsp, %rdi
    call arch_interrupt_dispatch
    .globl arch_interrupt_exit
arch_interrupt_exit:
    POP_GENERAL_REGISTERS
    addq $16, %rsp          // vector and error code
    testb $3, 8(%rsp)       // the CS being returned to
    jz 2f
    swapgs
    CLEAR_CPU_BUFFERS           // MDS: only on the way to user mode
2:  iretq
    .size interrupt_common, . - interrupt_common

    .type paranoid_entry, @function
paranoid_entry:
    PUSH_GENERAL_REGISTERS
    cld
    movl $0xc0000101, %ecx      // IA32_GS_BASE
    rdmsr
    xorl %ebx, %ebx             // rbx (callee-saved): 1 if we swapped
    testl %edx, %edx
    js 3f                       // the kernel's base already
    swapgs
    movl $1, %ebx
3:  lfence                      // as above: no GS use before the branch resolves
    movq %rsp, %rdi
    call arch_interrupt_dispatch
    testl %ebx, %ebx
    jz 4f
    swapgs
    CLEAR_CPU_BUFFERS           // MDS: the user's GS means user mode (or its doorstep)
4:  POP_GENERAL_REGISTERS
    addq $16, %rsp
    iretq
    .size paranoid_entry, . - paranoid_entry

    .globl arch_interrupt_return_to
    .type arch_interrupt_return_to, @function
arch_interrupt_return_to:
    movq %rdi, %rsp
    jmp arch_interrupt_exit
    .size arch_interrupt_return_to, . - arch_interrupt_return_to

    .section .note.GNU-stack,"",@progbits
