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
// set a base: no FSGSBASE, and every user segment has base 0). Under
// page-table isolation (kpti.h) #DF takes the same entry, so that a fault in
// an exit path after the switch to the user root still finds the kernel's,
// and a #DB from user mode takes the ordinary one.

#include "arch/x86_64/general_registers.inc"
#include "arch/x86_64/kpti.inc"
#include "arch/x86_64/speculation.inc"

    // Two copies of the paths below, from one macro: the plain one
    // (suffix empty), exactly the kernel's entry without page-table
    // isolation, and the one the IDT points at once isolation is on
    // (suffix _kpti, kpti.h), which adds the root switches. Choosing the
    // copy at boot keeps isolation's cost out of the plain paths
    // entirely. Both live in .entry.text, mapped in the user root too.
    .macro INTERRUPT_PATHS suffix, kpti
    .section .entry.text, "ax"
    .balign 16
    .globl arch_interrupt_stubs\suffix
arch_interrupt_stubs\suffix:
    .set vector, 0
    .rept 256
    // Each stub starts at a multiple of 16 (idt.cpp relies on it); .org
    // fails to assemble if a stub grew past its slot.
    .org arch_interrupt_stubs\suffix + vector * 16, 0xcc
    // Vectors for which the CPU pushes an error code.
    .if (vector == 8) || (vector == 10) || (vector == 11) || (vector == 12) || (vector == 13) || (vector == 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    // jmp rel32, spelled out so every stub has a fixed size.
    .byte 0xe9
    .long interrupt_common\suffix - . - 4
    .set vector, vector + 1
    .endr
    .org arch_interrupt_stubs\suffix + 256 * 16, 0xcc

    .type interrupt_common\suffix, @function
interrupt_common\suffix:
    // Stack: vector, error_code, rip, cs, rflags, rsp, ss.
    .if \kpti
    cmpq $1, (%rsp)             // #DB: paranoid in kernel mode only (from
    jne 5f                      // user mode it is an ordinary exception,
    testb $3, 24(%rsp)          // which may switch tasks: not on the
    jz paranoid_entry\suffix    // per-CPU entry stack)
5:  cmpq $8, (%rsp)             // #DF: an exit path's fault on the user root
    je paranoid_entry\suffix
    .else
    cmpq $1, (%rsp)             // #DB
    je paranoid_entry\suffix
    .endif
    cmpq $2, (%rsp)             // NMI
    je paranoid_entry\suffix
    cmpq $18, (%rsp)            // #MC
    je paranoid_entry\suffix
    testb $3, 24(%rsp)
    jz 1f
    swapgs
    // Both ways past a conditional swapgs: the CPU may speculate the swap
    // (or its skip) and read through the wrong GS base (CVE-2019-1125);
    // nothing after the fence runs before the branch is resolved.
    .if \kpti
    lfence
    KPTI_INTERRUPT_ENTER_FROM_USER
    jmp 2f
    .endif
1:  lfence
2:  PUSH_GENERAL_REGISTERS
    cld
    // The CPU aligned the stack to 16 before pushing its five words; with
    // 17 more the frame start is 16-byte aligned, as the call needs.
    movq %rsp, %rdi
    call arch_interrupt_dispatch
    .globl arch_interrupt_exit\suffix
arch_interrupt_exit\suffix:
    POP_GENERAL_REGISTERS
    addq $16, %rsp          // vector and error code
    testb $3, 8(%rsp)       // the CS being returned to
    jz 3f
    .if \kpti
    KPTI_INTERRUPT_EXIT_TO_USER
    .endif
    swapgs
    CLEAR_CPU_BUFFERS           // MDS: only on the way to user mode
3:  iretq
    .size interrupt_common\suffix, . - interrupt_common\suffix

    .type paranoid_entry\suffix, @function
paranoid_entry\suffix:
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
    .if \kpti
    KPTI_PARANOID_ENTER
    .endif
    movq %rsp, %rdi
    call arch_interrupt_dispatch
    .if \kpti
    KPTI_PARANOID_EXIT
    .endif
    testl %ebx, %ebx
    jz 4f
    swapgs
    CLEAR_CPU_BUFFERS           // MDS: the user's GS means user mode (or its doorstep)
4:  POP_GENERAL_REGISTERS
    addq $16, %rsp
    iretq
    .size paranoid_entry\suffix, . - paranoid_entry\suffix
    .endm

    INTERRUPT_PATHS , 0
    INTERRUPT_PATHS _kpti, 1

    // A frame built or rewritten by the kernel (a new thread's first entry,
    // a system call returning through IRET): the exit of the copy in use.
    .globl arch_interrupt_return_to
    .type arch_interrupt_return_to, @function
arch_interrupt_return_to:
    movq %rdi, %rsp
    testb $1, %gs:PERCPU_KPTI
    jnz arch_interrupt_exit_kpti
    jmp arch_interrupt_exit
    .size arch_interrupt_return_to, . - arch_interrupt_return_to

    .section .note.GNU-stack,"",@progbits
