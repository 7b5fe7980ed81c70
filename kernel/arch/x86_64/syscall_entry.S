// The `syscall` instruction lands here (LSTAR). On entry: RCX = user RIP,
// R11 = user RFLAGS, RSP = the user stack, interrupts off (FMASK clears IF,
// TF, DF, AC and NT), GS = the user's. The per-CPU entry area (GS after
// swapgs) holds the current thread's kernel stack top at offset 8 and a
// scratch slot for the user RSP at offset 16: per CPU, and used only with
// interrupts off, so neither a second CPU nor an interrupt can clobber it.
//
// The entry saves the whole user register state as a struct InterruptFrame
// (interrupt_frame.h), exactly as an interrupt from user mode would: vector
// kSyscallVector, error_code = the system-call number as called (kept for
// restarting a call), rax = the number too, later the result. fork copies
// it, signal delivery and rt_sigreturn rewrite it, execve replaces it.
//
// syscall_dispatch runs the handler and returns the result in RAX and, in
// RDX, whether the way back may have work (a switch, a kill, signals, a
// rewritten frame); then three ways back:
//   - SYSRET (the common case, RDX zero): the frame's RIP, RFLAGS, RSP and
//     the callee-saved registers are what they were at entry (the C code
//     preserved rbx, rbp, r12-r15 itself), so only the argument registers
//     are reloaded and RAX is the result; r12-r15, rbx and rbp were saved
//     for fork and signal delivery, which copy the whole frame. rcx and r11
//     come back as the ABI says (RIP and RFLAGS). RIP is canonical: the
//     last user page is never mapped (address_space.h). The frame's rax
//     keeps the number: nothing reads the frame once the call is over (the
//     next entry from user mode, a system call or an interrupt, writes a
//     new one in the same place).
//   - RDX nonzero: syscall_return_work stores the result in the frame and
//     does the work; it returns 0 for SYSRET as above (with the frame's
//     rax, which signal work may have changed) or nonzero:
//   - IRET (the frame was rewritten): the interrupt exit restores every
//     register from the frame.
#include "arch/x86_64/general_registers.inc"
#include "arch/x86_64/kpti.inc"
#include "arch/x86_64/speculation.inc"

#define PERCPU_USER_RSP 16
#define USER_CS 0x23
#define USER_SS 0x1b
#define SYSCALL_VECTOR 0x100

    // Two copies from one macro, as the interrupt paths (interrupts.S):
    // arch_syscall_entry, and arch_syscall_entry_kpti, which LSTAR names
    // once page-table isolation is on (kpti.h). Both in .entry.text,
    // mapped in the user root too.
    .macro SYSCALL_PATH suffix, kpti
    .section .entry.text, "ax"
    .globl arch_syscall_entry\suffix
    .type arch_syscall_entry\suffix, @function
arch_syscall_entry\suffix:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    .if \kpti
    KPTI_SYSCALL_ENTER
    .endif
    movq %gs:PERCPU_KERNEL_RSP, %rsp
    pushq $USER_SS
    pushq %gs:PERCPU_USER_RSP
    pushq %r11                  // rflags
    pushq $USER_CS
    pushq %rcx                  // rip
    pushq %rax                  // error_code: the number as called
    pushq $SYSCALL_VECTOR
    PUSH_GENERAL_REGISTERS
    // The user stack pointer is now on our own stack: interrupts may come.
    sti                         // (FMASK cleared DF: no cld needed)
    movq %rsp, %rdi
    call syscall_dispatch       // 22 words pushed keep RSP 16-aligned
    // syscall_dispatch returns with interrupts off (its last kill check must
    // not be followed by an interrupt that sets another), and they stay off
    // to the sysret or iret.
    testq %rdx, %rdx
    jnz 2f
    // Loads instead of pops: the frame offsets are struct InterruptFrame's.
3:  movq 5*8(%rsp), %r10
    movq 6*8(%rsp), %r9
    movq 7*8(%rsp), %r8
    movq 9*8(%rsp), %rdi
    movq 10*8(%rsp), %rsi
    movq 11*8(%rsp), %rdx
    movq 17*8(%rsp), %rcx       // rip
    movq 19*8(%rsp), %r11       // rflags
    movq 20*8(%rsp), %rsp       // the user stack; interrupts are off until sysret
    .if \kpti
    KPTI_SYSCALL_EXIT
    .endif
    CLEAR_CPU_BUFFERS           // MDS: the last thing before user mode
    swapgs
    sysretq
2:  movq %rsp, %rdi
    movq %rax, %rsi
    call syscall_return_work    // interrupts off again when it returns
    testl %eax, %eax
    jnz 1f
    movq 14*8(%rsp), %rax       // the result, as the work left it
    jmp 3b
1:  jmp arch_interrupt_exit\suffix  // the interrupt exit restores the whole frame
    .size arch_syscall_entry\suffix, . - arch_syscall_entry\suffix
    .endm

    SYSCALL_PATH , 0
    SYSCALL_PATH _kpti, 1

    .section .note.GNU-stack,"",@progbits
