/* rt_sigreturn with frames the process forged itself. The kernel takes
 * the saved registers from user memory, so it must not trust them
 * (arch/x86/kernel/signal_64.c, restore_sigcontext): CS and SS get RPL 3,
 * only the arithmetic/DF/TF/AC/RF flags are taken from the frame (IOPL,
 * IF, NT, VM are not), and SS is replaced by the user data selector unless
 * UC_STRICT_RESTORE_SS says the frame's SS must be used. Whatever cannot be
 * restored (a selector the CPU refuses on the way back to user mode, a
 * non-canonical or kernel RIP, FPU state that faults) ends with SIGSEGV —
 * for the process that forged the frame only.
 *
 * Each variant runs in a child that builds a frame from scratch and
 * issues rt_sigreturn with rsp pointing at its ucontext (the kernel reads
 * the frame at rsp - 8: it expects the handler's return address popped).
 * The outcome is what Linux does (checked on Linux 6.x): the child exits
 * 42 from the landing code, or dies of SIGSEGV. */
#include "suite.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

/* The register values a valid forged frame restores; the landing code
 * compares every register with them (and rsp with g_expect_rsp). */
unsigned long g_expect[16];
unsigned long g_expect_rsp;
void forged_landing_regs(void);
void forged_landing_flags(void);
void forged_landing_ss(void);
/* Landing code: exit_group(42) when the registers match, exit_group(60+n)
 * for the first one (n in the order of g_expect) that does not. */
__asm__(".text\n"
        ".globl forged_landing_regs\nforged_landing_regs:\n"
        "  cmp g_expect+0(%rip), %rax\n  jne 1f\n"
        "  cmp g_expect+8(%rip), %rbx\n  jne 2f\n"
        "  cmp g_expect+16(%rip), %rcx\n  jne 3f\n"
        "  cmp g_expect+24(%rip), %rdx\n  jne 4f\n"
        "  cmp g_expect+32(%rip), %rsi\n  jne 5f\n"
        "  cmp g_expect+40(%rip), %rdi\n  jne 6f\n"
        "  cmp g_expect+48(%rip), %rbp\n  jne 7f\n"
        "  cmp g_expect+56(%rip), %r8\n  jne 8f\n"
        "  cmp g_expect+64(%rip), %r9\n  jne 9f\n"
        "  cmp g_expect+72(%rip), %r10\n  jne 10f\n"
        "  cmp g_expect+80(%rip), %r11\n  jne 11f\n"
        "  cmp g_expect+88(%rip), %r12\n  jne 12f\n"
        "  cmp g_expect+96(%rip), %r13\n  jne 13f\n"
        "  cmp g_expect+104(%rip), %r14\n  jne 14f\n"
        "  cmp g_expect+112(%rip), %r15\n  jne 15f\n"
        "  cmp g_expect_rsp(%rip), %rsp\n  jne 16f\n"
        "  mov $42, %edi\n  jmp 99f\n"
        "1: mov $60, %edi\n  jmp 99f\n"
        "2: mov $61, %edi\n  jmp 99f\n"
        "3: mov $62, %edi\n  jmp 99f\n"
        "4: mov $63, %edi\n  jmp 99f\n"
        "5: mov $64, %edi\n  jmp 99f\n"
        "6: mov $65, %edi\n  jmp 99f\n"
        "7: mov $66, %edi\n  jmp 99f\n"
        "8: mov $67, %edi\n  jmp 99f\n"
        "9: mov $68, %edi\n  jmp 99f\n"
        "10: mov $69, %edi\n  jmp 99f\n"
        "11: mov $70, %edi\n  jmp 99f\n"
        "12: mov $71, %edi\n  jmp 99f\n"
        "13: mov $72, %edi\n  jmp 99f\n"
        "14: mov $73, %edi\n  jmp 99f\n"
        "15: mov $74, %edi\n  jmp 99f\n"
        "16: mov $75, %edi\n  jmp 99f\n"
        "99: mov $231, %eax\n  syscall\n  ud2\n"
        /* exit_group(42 + IOPL + (IF clear ? 8 : 0)) */
        ".globl forged_landing_flags\nforged_landing_flags:\n"
        "  pushfq\n  pop %rax\n  mov %rax, %rdi\n  shr $12, %rdi\n  and $3, %edi\n"
        "  bt $9, %rax\n  jc 1f\n  add $8, %edi\n"
        "1: add $42, %edi\n  mov $231, %eax\n  syscall\n  ud2\n"
        /* exit_group(42) if SS holds the user data selector (in %r12), else 50 */
        ".globl forged_landing_ss\nforged_landing_ss:\n"
        "  mov %ss, %eax\n  mov $42, %edi\n  cmp %r12w, %ax\n  je 1f\n  mov $50, %edi\n"
        "1: mov $231, %eax\n  syscall\n  ud2\n");

static unsigned short read_cs(void) {
    unsigned short v;
    __asm__ volatile("mov %%cs, %0" : "=r"(v));
    return v;
}
static unsigned short read_ss(void) {
    unsigned short v;
    __asm__ volatile("mov %%ss, %0" : "=r"(v));
    return v;
}

enum variant {
    V_VALID,           /* every register restored: exit 42 */
    V_VALID_FPU,       /* a valid FXSAVE image: exit 42 */
    V_CS_NULL,         /* CS = 0 (becomes 3 with RPL 3) */
    V_CS_KERNEL_08,    /* a ring-0 code selector (NyanOS-style GDT) */
    V_CS_KERNEL_10,    /* Linux's __KERNEL_CS */
    V_CS_DATA,         /* the user data selector as CS */
    V_CS_BEYOND_GDT,   /* an index past the end of the GDT */
    V_SS_BAD,          /* a ring-0 data selector as SS: repaired */
    V_SS_NULL,         /* SS = 0: repaired */
    V_SS_BAD_STRICT,   /* the same with UC_STRICT_RESTORE_SS: kept, and fatal */
    V_RIP_NONCANON,    /* RIP 0x0000800000000000 */
    V_RIP_NONCANON_HI, /* RIP 0x8000000000000000 */
    V_RIP_KERNEL,      /* RIP in the kernel half */
    V_IOPL,            /* EFLAGS with IOPL 3 (and IF clear): ignored */
    V_MXCSR,           /* reserved MXCSR bits in the FPU area */
    V_FPSTATE_UNMAPPED,/* the fpstate pointer points nowhere */
    V_FPSTATE_KERNEL,  /* the fpstate pointer points into the kernel */
    V_FRAME_UNMAPPED,  /* rsp itself (the frame) is unmapped */
    V_FRAME_KERNEL,    /* rsp points into the kernel */
};

static int forge_and_sigreturn(void* arg) {
    enum variant v = (enum variant)(long)arg;
    /* Page-aligned memory: the frame, a stack for the landing code, an
     * FXSAVE area. */
    unsigned char* mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return 2;
    ucontext_t* uc = (ucontext_t*)(mem + 64);
    unsigned char* fx = mem + 2 * PAGE;
    unsigned long stack_top = (unsigned long)(mem + 4 * PAGE - 128);
    memset(uc, 0, sizeof *uc);
    uc->uc_flags = UC_SIGCONTEXT_SS;
    uc->uc_stack.ss_flags = SS_DISABLE;
    unsigned short cs = read_cs(), ss = read_ss();
    greg_t* g = uc->uc_mcontext.gregs;
    static const int order[15] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_R8,
                                  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 15; ++i) {
        g_expect[i] = 0x1111111111111111ul * (unsigned long)(i + 1) + 0x0102030405060708ul;
        g[order[i]] = (greg_t)g_expect[i];
    }
    g_expect_rsp = stack_top;
    g[REG_RSP] = (greg_t)stack_top;
    g[REG_RIP] = (greg_t)forged_landing_regs;
    g[REG_EFL] = 0x202;
    /* gregs[REG_CSGSFS]: cs | gs << 16 | fs << 32 | ss << 48 */
    unsigned long sel_cs = cs, sel_ss = ss;
    uc->uc_mcontext.fpregs = NULL;
    switch (v) {
    case V_VALID: break;
    case V_VALID_FPU:
    case V_MXCSR: {
        memset(fx, 0, 512);
        struct _fpstate* f = (struct _fpstate*)fx;
        f->cwd = 0x37f;
        f->mxcsr = v == V_MXCSR ? 0xffff0000u : 0x1f80u;
        uc->uc_mcontext.fpregs = f;
        break;
    }
    case V_CS_NULL: sel_cs = 0; break;
    case V_CS_KERNEL_08: sel_cs = 0x08; break;
    case V_CS_KERNEL_10: sel_cs = 0x10; break;
    case V_CS_DATA: sel_cs = ss; break;
    case V_CS_BEYOND_GDT: sel_cs = 0xfff8; break;
    case V_SS_BAD:
    case V_SS_NULL:
    case V_SS_BAD_STRICT:
        sel_ss = v == V_SS_NULL ? 0 : 0x18;
        if (v == V_SS_BAD_STRICT) uc->uc_flags |= UC_STRICT_RESTORE_SS;
        g[REG_RIP] = (greg_t)forged_landing_ss;
        g[REG_R12] = ss;
        break;
    case V_RIP_NONCANON: g[REG_RIP] = (greg_t)ADDR_FIRST_NONCANONICAL; break;
    case V_RIP_NONCANON_HI: g[REG_RIP] = (greg_t)ADDR_NONCANONICAL; break;
    case V_RIP_KERNEL: g[REG_RIP] = (greg_t)(ADDR_KERNEL_IMAGE + 0x1000000); break;
    case V_IOPL:
        g[REG_EFL] = 0x3002; /* IOPL 3, IF clear */
        g[REG_RIP] = (greg_t)forged_landing_flags;
        break;
    case V_FPSTATE_UNMAPPED: uc->uc_mcontext.fpregs = (struct _fpstate*)ADDR_UNMAPPED_LOW; break;
    case V_FPSTATE_KERNEL: uc->uc_mcontext.fpregs = (struct _fpstate*)ADDR_HHDM; break;
    case V_FRAME_UNMAPPED: uc = (ucontext_t*)(ADDR_UNMAPPED_LOW + 8); break;
    case V_FRAME_KERNEL: uc = (ucontext_t*)(ADDR_HHDM + 8); break;
    }
    if (v != V_FRAME_UNMAPPED && v != V_FRAME_KERNEL) g[REG_CSGSFS] = (greg_t)(sel_cs | sel_ss << 48);
    fflush(NULL);
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "mov $15, %%eax\n\t" /* rt_sigreturn */
                     "syscall\n\t"
                     "ud2"
                     :
                     : "r"(uc)
                     : "memory");
    __builtin_unreachable();
}

struct expectation {
    enum variant v;
    const char* what;
    int exit_code; /* 0: death by SIGSEGV */
};

static int run_variants(const struct expectation* list, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        int st = run_in_child(forge_and_sigreturn, (void*)(long)list[i].v);
        if (list[i].exit_code) {
            if (!WIFEXITED(st) || WEXITSTATUS(st) != list[i].exit_code)
                return fail("%s: child %s, expected exit %d", list[i].what, status_text(st),
                            list[i].exit_code);
        } else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) {
            return fail("%s: child %s, expected death by SIGSEGV", list[i].what, status_text(st));
        }
    }
    return CASE_PASS;
}
#define RUN(list) run_variants(list, sizeof list / sizeof list[0])

static int sigframe_valid(void) {
    static const struct expectation list[] = {
        {V_VALID, "a valid frame (every register must come back)", 42},
        {V_VALID_FPU, "a valid frame with an FXSAVE image", 42},
    };
    return RUN(list);
}

static int sigframe_bad_cs(void) {
    static const struct expectation list[] = {
        {V_CS_NULL, "CS = 0", 0},
        {V_CS_KERNEL_08, "CS = 0x08 (ring-0 code)", 0},
        {V_CS_KERNEL_10, "CS = 0x10 (Linux's kernel code)", 0},
        {V_CS_DATA, "CS = the user data selector", 0},
        {V_CS_BEYOND_GDT, "CS = 0xfff8 (past the GDT)", 0},
    };
    return RUN(list);
}

static int sigframe_bad_ss(void) {
    static const struct expectation list[] = {
        {V_SS_BAD, "SS = 0x18 without UC_STRICT_RESTORE_SS: replaced by the user data selector", 42},
        {V_SS_NULL, "SS = 0 without UC_STRICT_RESTORE_SS: replaced by the user data selector", 42},
        {V_SS_BAD_STRICT, "SS = 0x18 with UC_STRICT_RESTORE_SS", 0},
    };
    return RUN(list);
}

static int sigframe_bad_rip(void) {
    static const struct expectation list[] = {
        {V_RIP_NONCANON, "RIP = 0x0000800000000000", 0},
        {V_RIP_NONCANON_HI, "RIP = 0x8000000000000000", 0},
        {V_RIP_KERNEL, "RIP in the kernel half", 0},
    };
    return RUN(list);
}

/* IOPL (and IF) are not among the flags sigreturn restores: the landing
 * code must run with IOPL 0 and interrupts enabled. */
static int sigframe_iopl_ignored(void) {
    static const struct expectation list[] = {
        {V_IOPL, "EFLAGS with IOPL 3 and IF clear (exit 42: IOPL 0, IF set)", 42},
    };
    return RUN(list);
}

static int ldmxcsr_reserved(void* arg) {
    (void)arg;
    unsigned v = 0xffff0000u;
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
    return 0;
}

/* Linux restores the FPU area with FXRSTOR/XRSTOR straight from user
 * memory and turns the CPU's #GP into a bad frame (SIGSEGV); it does not
 * check MXCSR itself on x86-64. So the outcome is the CPU's: real
 * processors fault on reserved MXCSR bits, QEMU's TCG does not (Linux 6.1
 * under TCG lets such a frame through, the bits dropped). The case asks
 * the CPU first (LDMXCSR with the same bits, in a child) and accepts
 * survival only where the CPU itself does not fault. The other two
 * variants must die everywhere. */
static int sigframe_bad_fpu(void) {
    static const struct expectation list[] = {
        {V_FPSTATE_UNMAPPED, "fpstate pointer unmapped", 0},
        {V_FPSTATE_KERNEL, "fpstate pointer in the kernel", 0},
    };
    if (RUN(list)) return CASE_FAIL;
    int cpu = run_in_child(ldmxcsr_reserved, NULL);
    int cpu_faults = WIFSIGNALED(cpu) && WTERMSIG(cpu) == SIGSEGV;
    if (!cpu_faults && !(WIFEXITED(cpu) && WEXITSTATUS(cpu) == 0))
        return fail("LDMXCSR probe: child %s", status_text(cpu));
    int st = run_in_child(forge_and_sigreturn, (void*)(long)V_MXCSR);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) return CASE_PASS;
    if (!cpu_faults && WIFEXITED(st) && WEXITSTATUS(st) == 42) return CASE_PASS;
    return fail("MXCSR with reserved bits set: child %s, expected death by SIGSEGV%s", status_text(st),
                cpu_faults ? "" : " (or exit 42: this CPU ignores reserved MXCSR bits)");
}

static int sigframe_bad_frame_pointer(void) {
    static const struct expectation list[] = {
        {V_FRAME_UNMAPPED, "the frame itself unmapped", 0},
        {V_FRAME_KERNEL, "the frame itself in the kernel", 0},
    };
    return RUN(list);
}

CASE_TABLE(sigframe) = {
    {"sigframe-forged-valid", sigframe_valid},
    {"sigframe-bad-cs", sigframe_bad_cs},
    {"sigframe-bad-ss", sigframe_bad_ss},
    {"sigframe-bad-rip", sigframe_bad_rip},
    {"sigframe-iopl-ignored", sigframe_iopl_ignored},
    {"sigframe-bad-fpu-state", sigframe_bad_fpu},
    {"sigframe-bad-frame-pointer", sigframe_bad_frame_pointer},
    CASE_TABLE_END,
};
