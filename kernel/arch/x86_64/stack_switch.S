// arch_run_on_stack(stack_top, fn): calls fn() with RSP at stack_top (16-byte
// aligned, on a stack of the caller's choosing) and returns on the caller's
// stack. For work an interrupt does whose depth does not depend on where
// it interrupted (arch/x86_64/stack_switch.h).
    .text
    .globl arch_run_on_stack
    .type arch_run_on_stack, @function
arch_run_on_stack:
    pushq %rbp
    movq %rsp, %rbp             // the way back, and the frame-pointer chain
    movq %rdi, %rsp
    movq %rsi, %rax
    call __x86_indirect_thunk_rax   // as compiled indirect calls go (retpoline.S)
    movq %rbp, %rsp
    popq %rbp
    ret
    .size arch_run_on_stack, . - arch_run_on_stack

    .section .note.GNU-stack,"",@progbits
