// arch_switch_context(uint64_t* save_rsp, uint64_t next_rsp)
// Saves the callee-saved registers on the current kernel stack, stores its
// RSP in *save_rsp, loads next_rsp and pops the next task's registers. The
// caller (the scheduler) has already switched CR3, TSS.RSP0 and FPU state.
// Interrupts are off across the switch. On the new stack, before anything
// returns, the return stack buffer is refilled where that mitigation is on
// (speculation.inc).
#include "arch/x86_64/speculation.inc"

    .text
    .globl arch_switch_context
    .type arch_switch_context, @function
arch_switch_context:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    FILL_RETURN_BUFFER
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size arch_switch_context, . - arch_switch_context

// A new task's first switch "returns" here, with RSP pointing at the
// InterruptFrame that the process layer built at the top of its kernel stack.
    .globl arch_task_first_entry
    .type arch_task_first_entry, @function
arch_task_first_entry:
    mov %rsp, %rdi
    jmp arch_interrupt_return_to
    .size arch_task_first_entry, . - arch_task_first_entry

    .section .note.GNU-stack,"",@progbits
