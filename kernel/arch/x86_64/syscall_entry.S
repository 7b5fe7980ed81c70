// The `syscall` instruction lands here (LSTAR). On entry: RCX = user RIP,
// R11 = user RFLAGS, RSP = the user stack, interrupts off (FMASK clears IF,
// TF, DF, AC and NT), GS = the user's. The per-CPU block (GS after swapgs)
// holds the current task's kernel stack top at offset 8 and a scratch slot
// for the user RSP at offset 16: per CPU, and used only with interrupts off,
// so neither a second CPU nor an interrupt can clobber it.
//
// SyscallFrame (lowest address first): r9 r8 r10 rdx rsi rdi rax(number)
// r11(rflags) rcx(rip) rsp. All registers but RAX, RCX and R11 come back
// unchanged; RAX carries the result.
#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16

    .text
    .globl arch_syscall_entry
    .type arch_syscall_entry, @function
arch_syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KERNEL_RSP, %rsp
    pushq %gs:PERCPU_USER_RSP
    pushq %rcx
    pushq %r11
    pushq %rax
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %r10
    pushq %r8
    pushq %r9
    // The user stack pointer is now on our own stack: interrupts may come.
    sti
    movq %rsp, %rdi
    call syscall_dispatch       // rax = result; 10 words pushed keep RSP 16-aligned
    // syscall_dispatch returns with interrupts off (its last kill check must
    // not be followed by an interrupt that sets another); the cli keeps
    // this path safe on its own.
    cli
    popq %r9
    popq %r8
    popq %r10
    popq %rdx
    popq %rsi
    popq %rdi
    addq $8, %rsp               // the number
    popq %r11
    popq %rcx
    popq %rsp                   // the user stack; interrupts are off until sysret
    swapgs
    sysretq
    .size arch_syscall_entry, . - arch_syscall_entry

    .section .note.GNU-stack,"",@progbits
