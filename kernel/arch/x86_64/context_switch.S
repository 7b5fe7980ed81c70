// arch_switch_stack(uint64_t* save_rsp, uint64_t next_rsp): the stack half
// of a thread switch. Reached only through arch::switch_stack
// (context_switch.h), whose inline asm saves RBP around the call and tells
// the compiler that every other register is clobbered: the registers a
// thread needs after its switch are saved by its own compiled code, in the
// caller's prologue, and only those it uses, rather than all six
// callee-saved ones here on every switch.
//
// Stores RSP (pointing at the return address into the caller) in
// *save_rsp, loads next_rsp and returns on the new stack to where that
// thread last called this from, or, for a new thread, into
// arch_thread_first_entry. The caller (the scheduler) has already switched
// CR3, TSS.RSP0 and FPU state; interrupts are off across the switch. On the
// new stack, before the return, the return stack buffer is refilled where
// that mitigation is on (speculation.inc).
#include "arch/x86_64/speculation.inc"

    .text
    .globl arch_switch_stack
    .type arch_switch_stack, @function
arch_switch_stack:
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    FILL_RETURN_BUFFER
    ret
    .size arch_switch_stack, . - arch_switch_stack

// A new thread's first switch returns here, with RSP at a word holding the
// thread's start function (proc::thread_start) and above it the
// InterruptFrame that the process layer built at the top of its kernel
// stack. The start function runs as if called from here, with the frame
// chain ending at it; then the frame is restored whole, into user mode.
    .globl arch_thread_first_entry
    .type arch_thread_first_entry, @function
arch_thread_first_entry:
    xor %ebp, %ebp
    pop %rax
    call __x86_indirect_thunk_rax   // as compiled indirect calls go (retpoline.S)
    mov %rsp, %rdi
    jmp arch_interrupt_return_to
    .size arch_thread_first_entry, . - arch_thread_first_entry

    .section .note.GNU-stack,"",@progbits
