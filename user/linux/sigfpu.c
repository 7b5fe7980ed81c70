/* linux-sigfpu: the FPU state across a signal handler, as Linux keeps it
 * (arch/x86/kernel/fpu/signal.c), for NyanOS's Linux personality and any
 * Linux to compare with:
 *   - the handler starts from the initial FPU state (XMM and YMM zero,
 *     MXCSR 0x1f80);
 *   - its frame holds the interrupted code's registers: where the CPU has
 *     XSAVE an xsave image (FP_XSTATE_MAGIC1 in the software bytes, the
 *     upper YMM halves in the AVX area, FP_XSTATE_MAGIC2 after it,
 *     UC_FP_XSTATE in uc_flags), else a 512-byte fxsave image;
 *   - what the handler writes into that image is what rt_sigreturn
 *     restores, and the handler's own register changes are gone after it.
 * It needs only getpid, kill, rt_sigaction, rt_sigprocmask, rt_sigreturn,
 * arch_prctl and exit_group (no write: it answers with its exit status):
 * 0 when everything held, else the number of the first check that failed.
 * Built with musl-gcc -static like the other user/linux programs. */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define UC_FP_XSTATE 0x1ul
#define MXCSR_INTERRUPTED 0x7f80u /* round toward zero, all exceptions masked */

/* Registers as stored by the asm below: 16 x 32 bytes (YMM), or 16 x 16
 * (XMM) in the first half of each slot without AVX. */
static unsigned char g_pattern[512] __attribute__((aligned(32)));
static unsigned char g_after[512] __attribute__((aligned(32)));
unsigned char g_handler_entry[512] __attribute__((aligned(32)));
unsigned int g_handler_mxcsr;
static unsigned int g_after_mxcsr;
static int g_avx;
static int g_xsave;
static volatile int g_failed_check; /* set by the handler */
static volatile int g_handled;

/* The handler's first instructions record the registers it was given, then
 * go on to the C part with the arguments untouched. */
void sigfpu_handler_c(int sig, siginfo_t* info, void* ucv);
void sigfpu_handler(int, siginfo_t*, void*);
__asm__(".text\n"
        ".globl sigfpu_handler\n"
        "sigfpu_handler:\n"
        "  stmxcsr g_handler_mxcsr(%rip)\n"
        "  cmpl $0, g_avx_for_asm(%rip)\n"
        "  je 1f\n"
        "  vmovdqu %ymm0, g_handler_entry+0(%rip)\n"
        "  vmovdqu %ymm7, g_handler_entry+224(%rip)\n"
        "  vmovdqu %ymm15, g_handler_entry+480(%rip)\n"
        "  jmp sigfpu_handler_c\n"
        "1:\n"
        "  movdqu %xmm0, g_handler_entry+0(%rip)\n"
        "  movdqu %xmm7, g_handler_entry+224(%rip)\n"
        "  movdqu %xmm15, g_handler_entry+480(%rip)\n"
        "  jmp sigfpu_handler_c\n");
int g_avx_for_asm;

static void fail(int check) {
    if (!g_failed_check) g_failed_check = check;
}

static int all_zero(const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i]) return 0;
    return 1;
}

void sigfpu_handler_c(int sig, siginfo_t* info, void* ucv) {
    (void)sig, (void)info;
    ucontext_t* uc = ucv;
    /* 10s: the state the handler starts with. */
    size_t reg = g_avx ? 32 : 16;
    if (!all_zero(g_handler_entry + 0, reg) || !all_zero(g_handler_entry + 224, reg) ||
        !all_zero(g_handler_entry + 480, reg))
        fail(10);
    if (g_handler_mxcsr != 0x1f80) fail(11);

    /* 20s: the frame's image. */
    unsigned char* fp = (unsigned char*)uc->uc_mcontext.fpregs;
    if (!fp) {
        fail(20);
        return;
    }
    if ((uintptr_t)fp % 64) fail(21);
    uint32_t mxcsr, magic1, xstate_size, magic2;
    memcpy(&mxcsr, fp + 24, 4);
    if (mxcsr != MXCSR_INTERRUPTED) fail(22);
    for (int i = 0; i < 16; ++i)
        if (memcmp(fp + 160 + 16 * i, g_pattern + 32 * i, 16)) fail(23);
    memcpy(&magic1, fp + 464, 4);
    if (g_xsave) {
        if (!(uc->uc_flags & UC_FP_XSTATE)) fail(24);
        if (magic1 != FP_XSTATE_MAGIC1) {
            fail(25);
            return;
        }
        memcpy(&xstate_size, fp + 480, 4);
        memcpy(&magic2, fp + xstate_size, 4);
        if (magic2 != FP_XSTATE_MAGIC2) fail(26);
        uint64_t xstate_bv;
        memcpy(&xstate_bv, fp + 512, 8);
        if ((xstate_bv & 3) != 3) fail(27);
        if (g_avx) {
            if (!(xstate_bv & 4)) fail(28);
            for (int i = 0; i < 16; ++i)
                if (memcmp(fp + 576 + 16 * i, g_pattern + 32 * i + 16, 16)) fail(29);
        }
    } else {
        if (uc->uc_flags & UC_FP_XSTATE) fail(30);
    }

    /* The handler changes the image: XMM15 (and its upper YMM half) come
     * back as 0x5a bytes, and MXCSR as 0x1f80. */
    memset(fp + 160 + 16 * 15, 0x5a, 16);
    if (g_avx) memset(fp + 576 + 16 * 15, 0x5a, 16);
    uint32_t plain = 0x1f80;
    memcpy(fp + 24, &plain, 4);
    /* And clobbers its own registers, which must not survive. */
    static const unsigned char junk[32] __attribute__((aligned(32))) = {
        0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe,
        0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad,
        0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef};
    if (g_avx)
        __asm__ volatile("vmovdqu (%0), %%ymm1; vmovdqu (%0), %%ymm8; vmovdqu (%0), %%ymm14"
                         :
                         : "r"(junk)
                         : "xmm1", "xmm8", "xmm14");
    else
        __asm__ volatile("movdqu (%0), %%xmm1; movdqu (%0), %%xmm8; movdqu (%0), %%xmm14"
                         :
                         : "r"(junk)
                         : "xmm1", "xmm8", "xmm14");
    g_handled = 1;
}

/* Loads the pattern and MXCSR_INTERRUPTED, sends itself SIGUSR1 with raw
 * system calls (no libc code may touch a vector register in between),
 * then stores the registers and MXCSR as they are after the handler. */
static void interrupted_by_signal(void) {
    unsigned int mxcsr = MXCSR_INTERRUPTED;
    if (g_avx)
        __asm__ volatile(
            "ldmxcsr (%2)\n"
            "vmovdqu 0(%0), %%ymm0; vmovdqu 32(%0), %%ymm1; vmovdqu 64(%0), %%ymm2\n"
            "vmovdqu 96(%0), %%ymm3; vmovdqu 128(%0), %%ymm4; vmovdqu 160(%0), %%ymm5\n"
            "vmovdqu 192(%0), %%ymm6; vmovdqu 224(%0), %%ymm7; vmovdqu 256(%0), %%ymm8\n"
            "vmovdqu 288(%0), %%ymm9; vmovdqu 320(%0), %%ymm10; vmovdqu 352(%0), %%ymm11\n"
            "vmovdqu 384(%0), %%ymm12; vmovdqu 416(%0), %%ymm13; vmovdqu 448(%0), %%ymm14\n"
            "vmovdqu 480(%0), %%ymm15\n"
            "mov $39, %%eax; syscall\n"         /* getpid */
            "mov %%eax, %%edi; mov $10, %%esi\n" /* SIGUSR1 */
            "mov $62, %%eax; syscall\n"         /* kill */
            "vmovdqu %%ymm0, 0(%1); vmovdqu %%ymm1, 32(%1); vmovdqu %%ymm2, 64(%1)\n"
            "vmovdqu %%ymm3, 96(%1); vmovdqu %%ymm4, 128(%1); vmovdqu %%ymm5, 160(%1)\n"
            "vmovdqu %%ymm6, 192(%1); vmovdqu %%ymm7, 224(%1); vmovdqu %%ymm8, 256(%1)\n"
            "vmovdqu %%ymm9, 288(%1); vmovdqu %%ymm10, 320(%1); vmovdqu %%ymm11, 352(%1)\n"
            "vmovdqu %%ymm12, 384(%1); vmovdqu %%ymm13, 416(%1); vmovdqu %%ymm14, 448(%1)\n"
            "vmovdqu %%ymm15, 480(%1)\n"
            "stmxcsr (%3)\n"
            "vzeroupper\n"
            :
            : "r"(g_pattern), "r"(g_after), "r"(&mxcsr), "r"(&g_after_mxcsr)
            : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
              "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
              "xmm14", "xmm15");
    else
        __asm__ volatile(
            "ldmxcsr (%2)\n"
            "movdqu 0(%0), %%xmm0; movdqu 32(%0), %%xmm1; movdqu 64(%0), %%xmm2\n"
            "movdqu 96(%0), %%xmm3; movdqu 128(%0), %%xmm4; movdqu 160(%0), %%xmm5\n"
            "movdqu 192(%0), %%xmm6; movdqu 224(%0), %%xmm7; movdqu 256(%0), %%xmm8\n"
            "movdqu 288(%0), %%xmm9; movdqu 320(%0), %%xmm10; movdqu 352(%0), %%xmm11\n"
            "movdqu 384(%0), %%xmm12; movdqu 416(%0), %%xmm13; movdqu 448(%0), %%xmm14\n"
            "movdqu 480(%0), %%xmm15\n"
            "mov $39, %%eax; syscall\n"
            "mov %%eax, %%edi; mov $10, %%esi\n"
            "mov $62, %%eax; syscall\n"
            "movdqu %%xmm0, 0(%1); movdqu %%xmm1, 32(%1); movdqu %%xmm2, 64(%1)\n"
            "movdqu %%xmm3, 96(%1); movdqu %%xmm4, 128(%1); movdqu %%xmm5, 160(%1)\n"
            "movdqu %%xmm6, 192(%1); movdqu %%xmm7, 224(%1); movdqu %%xmm8, 256(%1)\n"
            "movdqu %%xmm9, 288(%1); movdqu %%xmm10, 320(%1); movdqu %%xmm11, 352(%1)\n"
            "movdqu %%xmm12, 384(%1); movdqu %%xmm13, 416(%1); movdqu %%xmm14, 448(%1)\n"
            "movdqu %%xmm15, 480(%1)\n"
            "stmxcsr (%3)\n"
            :
            : "r"(g_pattern), "r"(g_after), "r"(&mxcsr), "r"(&g_after_mxcsr)
            : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
              "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
              "xmm14", "xmm15");
}

int main(void) {
    unsigned int a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    g_xsave = (c >> 27) & 1; /* OSXSAVE: the kernel turned XSAVE on */
    if (g_xsave && ((c >> 28) & 1)) {
        unsigned int lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        g_avx = (lo & 6) == 6;
    }
    g_avx_for_asm = g_avx;
    for (int i = 0; i < 512; ++i) g_pattern[i] = (unsigned char)(i * 7 + 3);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigfpu_handler;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGUSR1, &sa, 0)) return 1;

    interrupted_by_signal();
    if (!g_handled) return 2;
    if (g_failed_check) return g_failed_check;

    /* 40s: after rt_sigreturn. */
    size_t reg = g_avx ? 32 : 16;
    for (int i = 0; i < 15; ++i)
        if (memcmp(g_after + 32 * i, g_pattern + 32 * i, reg)) return 40;
    unsigned char want15[32];
    memset(want15, 0x5a, sizeof want15);
    if (memcmp(g_after + 32 * 15, want15, reg)) return 41;
    if (g_after_mxcsr != 0x1f80) return 42;
    return 0;
}
