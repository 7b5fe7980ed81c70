// The retpoline thunks: the kernel is compiled with
// -mindirect-branch=thunk-extern -mindirect-branch-register, so every
// indirect call or jump the compiler emits through register REG is a call
// or jump to __x86_indirect_thunk_REG instead.
//
// As assembled, each thunk is a retpoline: it reaches the target by a
// `ret` whose return address it overwrote, and the CPU's prediction for
// that `ret` comes from the return stack buffer, which points at the
// `pause; lfence` loop below, never at a target another process trained
// into the indirect-branch predictor (Spectre v2). Where no retpoline is
// needed (an unaffected CPU, enhanced IBRS, spectre_v2=off or
// mitigations=off) speculation.cpp overwrites each thunk's first bytes with
// a plain `jmp *%REG; int3` at boot: one direct jump more than an
// unmitigated indirect branch.
//
// speculation_thunks lists the thunks by register number (the encoding's
// 0..15: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15; rsp has none),
// for the patch.

    .macro THUNK reg
    .balign 32
    .globl __x86_indirect_thunk_\reg
    .type __x86_indirect_thunk_\reg, @function
__x86_indirect_thunk_\reg:
    call 2f
1:  pause                       // where the ret is predicted to go: nowhere
    lfence
    jmp 1b
    .balign 16
2:  movq %\reg, (%rsp)          // the real target replaces the return address
    ret
    .size __x86_indirect_thunk_\reg, . - __x86_indirect_thunk_\reg
    .endm

    .text
    THUNK rax
    THUNK rcx
    THUNK rdx
    THUNK rbx
    THUNK rbp
    THUNK rsi
    THUNK rdi
    THUNK r8
    THUNK r9
    THUNK r10
    THUNK r11
    THUNK r12
    THUNK r13
    THUNK r14
    THUNK r15

    .section .rodata
    .balign 8
    .globl speculation_thunks
speculation_thunks:
    .quad __x86_indirect_thunk_rax, __x86_indirect_thunk_rcx
    .quad __x86_indirect_thunk_rdx, __x86_indirect_thunk_rbx
    .quad 0, __x86_indirect_thunk_rbp
    .quad __x86_indirect_thunk_rsi, __x86_indirect_thunk_rdi
    .quad __x86_indirect_thunk_r8, __x86_indirect_thunk_r9
    .quad __x86_indirect_thunk_r10, __x86_indirect_thunk_r11
    .quad __x86_indirect_thunk_r12, __x86_indirect_thunk_r13
    .quad __x86_indirect_thunk_r14, __x86_indirect_thunk_r15

// What VERW names: the kernel's data selector (gdt.h), a writable data
// segment, as the MD_CLEAR behaviour requires. In the entry text, which the
// user-mode root maps too (page-table isolation): VERW runs after the
// switch to that root, the last thing before user mode.
    .pushsection .entry.text, "ax"
    .balign 2
    .globl speculation_verw_selector
speculation_verw_selector:
    .word 0x10
    .popsection

    .section .note.GNU-stack,"",@progbits
