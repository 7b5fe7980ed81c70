/* The helpers the cases exec (`testsuite --child MODE ...`). Fault modes do
 * one forbidden thing and must be killed by the kernel: if they survive they
 * print "survived" and exit 99, which the runner reports. */
#include <nyan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testsuite.h"

static const unsigned char g_rodata_ret[16] = {0xc3}; /* ret, in .rodata (R--) */
static unsigned char g_data_ret[16] = {0xc3};         /* ret, in .data (RW-, NX) */

typedef void (*fn_t)(void);

/* Runs one instruction sequence; falls through to "survived" if it returns. */
#define ASM(...)                        \
    do {                                \
        __asm__ volatile(__VA_ARGS__);  \
        return 0;                       \
    } while (0)

static uintptr_t opaque(uintptr_t a);
static void jump(uintptr_t address) { ((fn_t)opaque(address))(); }

/* The address goes through an asm barrier so the compiler cannot reason
 * about (or warn on) the constant pointers below. */
static uintptr_t opaque(uintptr_t a) {
    __asm__("" : "+r"(a));
    return a;
}
static unsigned long read_at(uintptr_t address) { return *(volatile unsigned long*)opaque(address); }
static void write_at(uintptr_t address) { *(volatile unsigned long*)opaque(address) = 0x6e79616e; }

/* Recurses with 4 KiB frames until the stack runs into its guard page. */
static unsigned long recurse(unsigned long depth) {
    volatile char frame[4096];
    frame[0] = (char)depth;
    if (depth > (1ul << 40)) return frame[0];
    return recurse(depth + 1) + frame[0];
}

static int fault_mode(const char* m) {
    if (!strcmp(m, "read-kernel")) return (int)read_at(ADDR_KERNEL_IMAGE);
    if (!strcmp(m, "read-kernel-top")) return (int)read_at(ADDR_KERNEL_TOP);
    if (!strcmp(m, "write-kernel")) return write_at(ADDR_KERNEL_IMAGE + 0x1000), 0;
    if (!strcmp(m, "exec-kernel")) return jump(ADDR_KERNEL_IMAGE + 0x1000), 0;
    if (!strcmp(m, "read-hhdm")) return (int)read_at(ADDR_HHDM_1M);
    if (!strcmp(m, "write-hhdm")) return write_at(ADDR_HHDM_1M), 0;
    if (!strcmp(m, "exec-hhdm")) return jump(ADDR_HHDM_1M), 0;
    if (!strcmp(m, "read-noncanon")) return (int)read_at(ADDR_NONCANONICAL);
    if (!strcmp(m, "write-noncanon")) return write_at(ADDR_FIRST_NONCANONICAL), 0;
    if (!strcmp(m, "exec-noncanon")) return jump(ADDR_NONCANONICAL), 0;
    if (!strcmp(m, "read-null")) return (int)read_at(0);
    if (!strcmp(m, "write-null")) return write_at(8), 0;
    if (!strcmp(m, "exec-null")) return jump(0), 0;
    if (!strcmp(m, "write-text")) return write_at((uintptr_t)&fault_mode), 0;
    if (!strcmp(m, "exec-rodata")) return jump((uintptr_t)g_rodata_ret), 0;
    if (!strcmp(m, "exec-data")) return jump((uintptr_t)g_data_ret), 0;
    if (!strcmp(m, "exec-stack")) {
        volatile unsigned char code[16] = {0xc3};
        return jump((uintptr_t)code), 0;
    }
    if (!strcmp(m, "exec-heap")) {
        unsigned char* p = (unsigned char*)sbrk(PAGE);
        if (p == (unsigned char*)-1) return 2;
        p[0] = 0xc3;
        return jump((uintptr_t)p), 0;
    }
    if (!strcmp(m, "stack-overflow")) return (int)recurse(0);
    /* Privileged instructions: #GP in ring 3. */
    if (!strcmp(m, "cli")) ASM("cli");
    if (!strcmp(m, "sti")) ASM("sti");
    if (!strcmp(m, "hlt")) ASM("hlt");
    if (!strcmp(m, "mov-to-cr3")) ASM("xor %%eax, %%eax; mov %%rax, %%cr3" ::: "rax");
    if (!strcmp(m, "mov-from-cr3")) ASM("mov %%cr3, %%rax" ::: "rax");
    if (!strcmp(m, "mov-to-cr0")) ASM("xor %%eax, %%eax; mov %%rax, %%cr0" ::: "rax");
    if (!strcmp(m, "inb")) ASM("inb $0x60, %%al" ::: "rax");
    /* 0xf4 is QEMU's isa-debug-exit: if this got through, QEMU would exit. */
    if (!strcmp(m, "outb")) ASM("mov $0x10, %%al; outb %%al, $0xf4" ::: "rax");
    if (!strcmp(m, "inl-dx")) ASM("mov $0xcf8, %%dx; inl %%dx, %%eax" ::: "rax", "rdx");
    if (!strcmp(m, "iopl-outb")) {
        /* popfq cannot raise IOPL from ring 3 (it is silently kept): the
         * port access after it must still fault. */
        __asm__ volatile("pushfq; orq $0x3000, (%%rsp); popfq; mov $0x10, %%al; outb %%al, $0xf4"
                         ::: "rax", "memory", "cc");
        return 0;
    }
    if (!strcmp(m, "wrmsr"))
        ASM("mov $0xc0000082, %%ecx; xor %%eax, %%eax; xor %%edx, %%edx; wrmsr"
                                ::: "rax", "rcx", "rdx");
    if (!strcmp(m, "rdmsr")) ASM("mov $0xc0000082, %%ecx; rdmsr" ::: "rax", "rcx", "rdx");
    if (!strcmp(m, "lgdt")) {
        struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {0, 0};
        ASM("lgdt %0" : : "m"(d));
    }
    if (!strcmp(m, "lidt")) {
        struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {0, 0};
        ASM("lidt %0" : : "m"(d));
    }
    if (!strcmp(m, "invlpg")) ASM("invlpg (%0)" : : "r"(0x400000ul) : "memory");
    if (!strcmp(m, "wbinvd")) ASM("wbinvd");
    if (!strcmp(m, "swapgs")) ASM("swapgs");
    /* CR4.FSGSBASE is off: user code cannot set the FS or GS base (#UD). */
    if (!strcmp(m, "wrfsbase")) ASM("xor %%eax, %%eax; wrfsbase %%rax" ::: "rax");
    if (!strcmp(m, "wrgsbase")) ASM("xor %%eax, %%eax; wrgsbase %%rax" ::: "rax");
    if (!strcmp(m, "sysret")) ASM("sysretq");
    /* Software interrupts through kernel-only gates: #GP, not the handler
     * (int $14 would otherwise run the page-fault handler on a frame with
     * no error code). */
    if (!strcmp(m, "int-0x80")) ASM("int $0x80");
    if (!strcmp(m, "int-14")) ASM("int $14");
    if (!strcmp(m, "int-13")) ASM("int $13");
    if (!strcmp(m, "iretq-ring0")) {
        /* An iret frame asking for the kernel's code segment (0x08). */
        __asm__ volatile("mov %%ss, %%rax; pushq %%rax; pushq %%rsp; pushfq; pushq $0x08;"
                         "lea 1f(%%rip), %%rax; pushq %%rax; iretq; 1:" ::: "rax", "memory");
        return 0;
    }
    /* Traps with their own signals. */
    if (!strcmp(m, "int3")) ASM("int3");
    if (!strcmp(m, "ud2")) ASM("ud2");
    if (!strcmp(m, "div0"))
        ASM("xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx; div %%ecx"
                                ::: "rax", "rcx", "rdx");
    if (!strcmp(m, "idiv-overflow"))
        ASM("mov $0x80000000, %%eax; cdq; mov $-1, %%ecx; idiv %%ecx"
                                ::: "rax", "rcx", "rdx");
    return -1;
}

/* hold PAGES: takes PAGES pages of heap, touches each, then sleeps until
 * killed. If the kernel cannot back a page, the touch kills it (SIGSEGV). */
static int hold(long pages) {
    char* p = (char*)sbrk(pages * (long)PAGE);
    if (p == (char*)-1) return 3;
    for (long i = 0; i < pages; ++i) p[i * PAGE] = 1;
    for (;;) sleep(100000);
}

/* argcheck N LEN ARG...: exits 0 iff it got exactly N arguments after LEN,
 * each LEN bytes of the letter 'a' + i % 26. */
static int argcheck(int argc, char** argv) {
    if (argc < 3) return 2;
    long n = strtol(argv[1], NULL, 10), len = strtol(argv[2], NULL, 10);
    if (argc - 3 != n) {
        printf("# argcheck: %d arguments, expected %ld\n", argc - 3, n);
        return 1;
    }
    for (long i = 0; i < n; ++i) {
        const char* a = argv[3 + i];
        if ((long)strlen(a) != len) return printf("# argcheck: argument %ld has length %lu\n", i, (unsigned long)strlen(a)), 1;
        for (long k = 0; k < len; ++k)
            if (a[k] != 'a' + i % 26) return printf("# argcheck: argument %ld differs\n", i), 1;
    }
    return 0;
}

/* console-flood BYTES: one write of BYTES bytes to the console (fd 1), from
 * heap pages it never touched: they read as zeros, and NUL bytes show
 * nothing on a terminal, so the flood stays invisible. Exits 0 if the whole
 * write went through. */
static int console_flood(long bytes) {
    char* p = (char*)sbrk(bytes);
    if (p == (char*)-1) return 3;
    long r = SC(SYS_WRITE, 1, p, bytes);
    return r == bytes ? 0 : 4;
}

/* Prints why and returns 1 unless `result` is -EPERM. */
static int expect_eperm(const char* what, long result) {
    if (result == -EPERM) return 0;
    printf("# %s = %ld, expected -EPERM\n", what, result);
    return 1;
}

/* fg-intruder HOLDER: a process that does not hold the console (HOLDER,
 * its parent, does) may not take the foreground, clear it, hand it to
 * anyone, or power the machine off or reboot it. The power calls come last:
 * if they went through, the machine would be gone. Exits 0 if all failed
 * with EPERM. */
static int fg_intruder(int holder) {
    int self = getpid(), bad = 0;
    bad |= expect_eperm("set_foreground(self)", SC(SYS_SET_FOREGROUND, self, 0, 0));
    bad |= expect_eperm("set_foreground(0)", SC(SYS_SET_FOREGROUND, 0, 0, 0));
    bad |= expect_eperm("set_foreground(holder)", SC(SYS_SET_FOREGROUND, holder, 0, 0));
    bad |= expect_eperm("set_foreground(init)", SC(SYS_SET_FOREGROUND, 1, 0, 0));
    bad |= expect_eperm("reboot()", SC(SYS_REBOOT, 0, 0, 0));
    bad |= expect_eperm("poweroff(77)", SC(SYS_POWEROFF, 77, 0, 0));
    return bad;
}

/* fg-heir: its parent gives it the console (it retries until then); as the
 * foreground it may clear the foreground and take it again. Exits 0 if it
 * could. */
static int fg_heir(void) {
    int self = getpid();
    long r = -EPERM;
    for (int i = 0; i < 2000 && r == -EPERM; ++i) {
        r = SC(SYS_SET_FOREGROUND, self, 0, 0);
        if (r == -EPERM) sleep(1);  /* bounded: 2 s of guest time */
    }
    if (r != 0) return printf("# heir: set_foreground(self) = %ld\n", r), 1;
    if ((r = SC(SYS_SET_FOREGROUND, 0, 0, 0)) != 0)
        return printf("# heir: set_foreground(0) = %ld\n", r), 1;
    if ((r = SC(SYS_SET_FOREGROUND, self, 0, 0)) != 0)
        return printf("# heir: set_foreground(self) after clearing = %ld\n", r), 1;
    return 0;
}

/* DS, ES, FS, GS as user code sees them. */
struct selectors {
    unsigned short ds, es, fs, gs;
};

static struct selectors read_selectors(void) {
    struct selectors s;
    __asm__ volatile("mov %%ds, %0" : "=r"(s.ds));
    __asm__ volatile("mov %%es, %0" : "=r"(s.es));
    __asm__ volatile("mov %%fs, %0" : "=r"(s.fs));
    __asm__ volatile("mov %%gs, %0" : "=r"(s.gs));
    return s;
}

static int same_selectors(struct selectors a, struct selectors b) {
    return a.ds == b.ds && a.es == b.es && a.fs == b.fs && a.gs == b.gs;
}

#define SELECTOR_ROUNDS 50

/* selectors-set: loads the user data segment (GDT entry 3, DPL 3) with four
 * different RPLs, values no process starts with (null selectors would not
 * do: the CPU's iretq to user mode nulls DS and ES when they hold one), then
 * yields and spins (preempted by the timer) for SELECTOR_ROUNDS rounds: they
 * are part of its registers and must survive every switch. Exits 0 if they
 * did. */
static int selectors_set(void) {
    const struct selectors mine = {0x1b, 0x1a, 0x19, 0x18};
    __asm__ volatile("mov %0, %%ds; mov %1, %%es; mov %2, %%fs; mov %3, %%gs"
                     :
                     : "r"(mine.ds), "r"(mine.es), "r"(mine.fs), "r"(mine.gs)
                     : "memory");
    for (int i = 0; i < SELECTOR_ROUNDS; ++i) {
        if (i % 2) {
            yield();
        } else {
            unsigned long until = get_time() + 2;
            while (get_time() < until) {
            }
        }
        struct selectors now = read_selectors();
        if (!same_selectors(now, mine)) {
            printf("# selectors-set: round %d: ds=%#x es=%#x fs=%#x gs=%#x, set %#x %#x %#x %#x\n",
                   i, now.ds, now.es, now.fs, now.gs, mine.ds, mine.es, mine.fs, mine.gs);
            return 1;
        }
    }
    return 0;
}

/* selectors-watch: starts with null selectors and must keep them while
 * another process loads its own (runs next to selectors-set). Exits 0 if
 * it never saw anything else. */
static int selectors_watch(void) {
    const struct selectors null = {0, 0, 0, 0};
    for (int i = 0; i <= SELECTOR_ROUNDS; ++i) {
        struct selectors now = read_selectors();
        if (!same_selectors(now, null)) {
            printf("# selectors-watch: round %d: ds=%#x es=%#x fs=%#x gs=%#x, expected null\n", i,
                   now.ds, now.es, now.fs, now.gs);
            return 1;
        }
        if (i % 2) {
            yield();
        } else {
            unsigned long until = get_time() + 2;
            while (get_time() < until) {
            }
        }
    }
    return 0;
}

/* The state process_list reports for PID (-1 if there is no such process). */
static int process_state(int pid) {
    static struct nyan_process_info info[64];
    long n = SC(SYS_PROCESS_LIST, info, 64, 0);
    for (long i = 0; i < n; ++i)
        if (info[i].pid == pid) return info[i].state;
    return -1;
}

/* orphan-parent: starts a child that exits at once, waits (without reaping
 * it) until it is a zombie and init is blocked, then exits: the zombie goes
 * to init, which is blocked in waitpid(-1) (orphan-zombie-wakes-init). */
static int orphan_parent(void) {
    char* child[] = {(char*)SELF, (char*)"--child", (char*)"exit", NULL};
    long pid = SC(SYS_EXEC, SELF, child, 0);
    if (pid < 0) return 2;
    for (int i = 0; i < 5000; ++i) {
        if (process_state((int)pid) == 3 && process_state(1) == 2) return 0; /* zombie, blocked */
        sleep(1);
    }
    printf("# orphan-parent: child %ld never became a zombie with init blocked\n", pid);
    return 1;
}

/* orphan-chain: starts orphan-parent, then sleeps 3 s (its parent kills it
 * sooner); orphan-parent's zombie stays its child meanwhile. */
static int orphan_chain(void) {
    char* parent[] = {(char*)SELF, (char*)"--child", (char*)"orphan-parent", NULL};
    if (SC(SYS_EXEC, SELF, parent, 0) < 0) return 2;
    sleep(3000);
    return 0;
}

/* fpu-dirty: fills XMM0-15 and the eight x87 registers with nonzero values,
 * then yields 100 times (fpu-clean-start starts a process meanwhile); the
 * values are part of its registers and must survive every switch. Exits 0
 * if its XMM registers still hold them at the end. */
static int fpu_dirty(void) {
    static unsigned char pattern[256] __attribute__((aligned(16)));
    static unsigned char state[512] __attribute__((aligned(16)));
    for (int i = 0; i < 256; ++i) pattern[i] = (unsigned char)(0xa5 ^ i);
    __asm__ volatile(
        "movdqa 0(%0), %%xmm0; movdqa 16(%0), %%xmm1; movdqa 32(%0), %%xmm2\n"
        "movdqa 48(%0), %%xmm3; movdqa 64(%0), %%xmm4; movdqa 80(%0), %%xmm5\n"
        "movdqa 96(%0), %%xmm6; movdqa 112(%0), %%xmm7; movdqa 128(%0), %%xmm8\n"
        "movdqa 144(%0), %%xmm9; movdqa 160(%0), %%xmm10; movdqa 176(%0), %%xmm11\n"
        "movdqa 192(%0), %%xmm12; movdqa 208(%0), %%xmm13; movdqa 224(%0), %%xmm14\n"
        "movdqa 240(%0), %%xmm15\n"
        "fldpi; fldl2e; fldl2t; fldlg2; fldln2; fld1; fldpi; fld1\n"
        "mov $100, %%r12d\n"
        "1: mov %2, %%eax; syscall; dec %%r12d; jnz 1b\n"
        "fxsave64 (%1)\n"
        "fninit\n" /* the x87 stack is empty again, as the ABI wants it */
        :
        : "r"(pattern), "r"(state), "i"(SYS_YIELD)
        : "rax", "rcx", "r11", "r12", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
          "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
          "xmm15", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
    if (memcmp(state + 160, pattern, sizeof pattern)) {
        printf("# fpu-dirty: its XMM registers changed across switches\n");
        return 1;
    }
    return 0;
}

/* Spins SPIN_MS of guest time with only get_time calls, so the timer may
 * preempt the caller in user mode (where yield switches from a system call). */
#define SPIN_MS 2

/* ymm-dirty SEED: loads YMM0-15 with a pattern made from SEED, then for
 * YMM_ROUNDS rounds yields and spins (so it is switched away from both in
 * a system call and by the timer) while other processes do the same with
 * their own patterns; the registers are part of its state and must come
 * back whole, the upper halves included (which an fxsave-only switch would
 * lose). Exits 0 if all 512 bytes are still its own at the end. The case
 * starts it only where AVX is usable. */
#define YMM_ROUNDS 40
static int ymm_dirty(long seed) {
    static unsigned char pattern[512] __attribute__((aligned(32)));
    static unsigned char state[512] __attribute__((aligned(32)));
    for (int i = 0; i < 512; ++i) pattern[i] = (unsigned char)(seed * 61 + i * 7 + (i >> 4) + 1);
    __asm__ volatile(
        "vmovdqu 0(%0), %%ymm0; vmovdqu 32(%0), %%ymm1; vmovdqu 64(%0), %%ymm2\n"
        "vmovdqu 96(%0), %%ymm3; vmovdqu 128(%0), %%ymm4; vmovdqu 160(%0), %%ymm5\n"
        "vmovdqu 192(%0), %%ymm6; vmovdqu 224(%0), %%ymm7; vmovdqu 256(%0), %%ymm8\n"
        "vmovdqu 288(%0), %%ymm9; vmovdqu 320(%0), %%ymm10; vmovdqu 352(%0), %%ymm11\n"
        "vmovdqu 384(%0), %%ymm12; vmovdqu 416(%0), %%ymm13; vmovdqu 448(%0), %%ymm14\n"
        "vmovdqu 480(%0), %%ymm15\n"
        "mov %2, %%r12d\n"
        "1: mov %3, %%eax; syscall\n"
        "   mov %4, %%eax; syscall; lea %c5(%%rax), %%r13\n"
        "2: mov %4, %%eax; syscall; cmp %%r13, %%rax; jb 2b\n"
        "   dec %%r12d; jnz 1b\n"
        "vmovdqu %%ymm0, 0(%1); vmovdqu %%ymm1, 32(%1); vmovdqu %%ymm2, 64(%1)\n"
        "vmovdqu %%ymm3, 96(%1); vmovdqu %%ymm4, 128(%1); vmovdqu %%ymm5, 160(%1)\n"
        "vmovdqu %%ymm6, 192(%1); vmovdqu %%ymm7, 224(%1); vmovdqu %%ymm8, 256(%1)\n"
        "vmovdqu %%ymm9, 288(%1); vmovdqu %%ymm10, 320(%1); vmovdqu %%ymm11, 352(%1)\n"
        "vmovdqu %%ymm12, 384(%1); vmovdqu %%ymm13, 416(%1); vmovdqu %%ymm14, 448(%1)\n"
        "vmovdqu %%ymm15, 480(%1)\n"
        "vzeroupper\n"
        :
        : "r"(pattern), "r"(state), "i"(YMM_ROUNDS), "i"(SYS_YIELD), "i"(SYS_GET_TIME), "i"(SPIN_MS)
        : "rax", "rcx", "r11", "r12", "r13", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
          "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
          "xmm15");
    for (int r = 0; r < 16; ++r) {
        if (!memcmp(state + 32 * r, pattern + 32 * r, 32)) continue;
        printf("# ymm-dirty %ld: YMM%d changed across switches (%s half)\n", seed, r,
               memcmp(state + 32 * r, pattern + 32 * r, 16) ? "lower" : "upper");
        return 1;
    }
    return 0;
}

/* The FS and GS bases (arch_prctl). Each slot is 64 bytes; a process
 * writes only the slots it points its own bases at, so a base left over
 * from another process (slots at other offsets) reads 0 here. */
#define TLS_ROUNDS 40
static unsigned long g_tls_slots[8][8] __attribute__((aligned(64)));

static unsigned long fs_word(unsigned long offset) {
    unsigned long v;
    __asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(offset) : "memory");
    return v;
}
static unsigned long gs_word(unsigned long offset) {
    unsigned long v;
    __asm__ volatile("mov %%gs:(%1), %0" : "=r"(v) : "r"(offset) : "memory");
    return v;
}
static long arch_prctl_get(int code, unsigned long* out) {
    return SC(SYS_ARCH_PRCTL, code, out, 0);
}

/* One round of waiting: a yield (odd rounds) or a spin the timer may
 * preempt (even rounds). */
static void tls_wait(int round) {
    if (round % 2) {
        yield();
    } else {
        unsigned long until = get_time() + SPIN_MS;
        while (get_time() < until) {
        }
    }
}

/* tls-hold K: points its FS base at slot 2K and its GS base at slot 2K+1,
 * each holding a value of its own, then for TLS_ROUNDS rounds waits while
 * other processes run with other bases (or none) and checks that %fs:0 and
 * %gs:0 still reach its values and arch_prctl still reports its bases.
 * Exits 0 if they always did. */
static int tls_hold(long k) {
    if (k < 0 || k > 3) return 2;
    unsigned long* fs = g_tls_slots[2 * k];
    unsigned long* gs = g_tls_slots[2 * k + 1];
    fs[0] = 0xf5f5000000000000ul + (unsigned long)k;
    gs[0] = 0x6565000000000000ul + (unsigned long)k;
    long r = SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_FS, fs, 0);
    if (r != 0) return printf("# tls-hold %ld: ARCH_SET_FS = %ld\n", k, r), 1;
    r = SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_GS, gs, 0);
    if (r != 0) return printf("# tls-hold %ld: ARCH_SET_GS = %ld\n", k, r), 1;
    for (int i = 0; i < TLS_ROUNDS; ++i) {
        tls_wait(i);
        unsigned long f = fs_word(0), g = gs_word(0), fb = 0, gb = 0;
        arch_prctl_get(NYAN_ARCH_GET_FS, &fb);
        arch_prctl_get(NYAN_ARCH_GET_GS, &gb);
        if (f != fs[0] || g != gs[0] || fb != (unsigned long)fs || gb != (unsigned long)gs) {
            printf(
                "# tls-hold %ld: round %d: %%fs:0=%#lx %%gs:0=%#lx bases %#lx %#lx, expected "
                "%#lx %#lx at %p %p\n",
                k, i, f, g, fb, gb, fs[0], gs[0], (void*)fs, (void*)gs);
            return 1;
        }
    }
    return 0;
}

/* tls-none: never sets a base; both must stay 0 (so %fs:ADDR reads ADDR
 * itself) while other processes run with theirs. */
static int tls_none(void) {
    static unsigned long marker = 0x0123456789abcdeful;
    for (int i = 0; i < TLS_ROUNDS; ++i) {
        unsigned long fb = 1, gb = 1;
        arch_prctl_get(NYAN_ARCH_GET_FS, &fb);
        arch_prctl_get(NYAN_ARCH_GET_GS, &gb);
        unsigned long f = fs_word((unsigned long)&marker), g = gs_word((unsigned long)&marker);
        if (fb || gb || f != marker || g != marker) {
            printf("# tls-none: round %d: bases %#lx %#lx, %%fs:&marker=%#lx %%gs:&marker=%#lx\n",
                   i, fb, gb, f, g);
            return 1;
        }
        tls_wait(i);
    }
    return 0;
}

/* tls-selector: sets both bases, then loads the user data selector into FS
 * and GS: the bases become that descriptor's, 0, and must stay 0 across
 * switches (as on Linux) with the selectors kept; once null selectors are
 * back, ARCH_SET_FS works again. Runs next to tls-hold 0 with the same base
 * values (the same addresses, in its own space), so the kernel must write
 * tls-hold 0's base even though it equals the last one it wrote (the
 * selector load replaced it meanwhile), and must load a selector before it
 * writes the next process's base. */
static int tls_selector(void) {
    unsigned long* fs = g_tls_slots[0];
    unsigned long* gs = g_tls_slots[1];
    fs[0] = 0xf5f5f5f5ul;
    if (SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_FS, fs, 0) != 0) return 1;
    if (SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_GS, gs, 0) != 0) return 1;
    unsigned short data;
    __asm__ volatile("mov %%ss, %0" : "=r"(data));
    __asm__ volatile("mov %0, %%fs; mov %0, %%gs" : : "r"(data) : "memory");
    for (int i = 0; i < TLS_ROUNDS; ++i) {
        unsigned long fb = 1, gb = 1;
        arch_prctl_get(NYAN_ARCH_GET_FS, &fb);
        arch_prctl_get(NYAN_ARCH_GET_GS, &gb);
        struct selectors now = read_selectors();
        if (fb || gb || now.fs != data || now.gs != data) {
            printf("# tls-selector: round %d: bases %#lx %#lx, fs=%#x gs=%#x (loaded %#x)\n", i, fb,
                   gb, now.fs, now.gs, data);
            return 1;
        }
        tls_wait(i);
    }
    __asm__ volatile("mov %0, %%fs; mov %0, %%gs" : : "r"((unsigned short)0) : "memory");
    if (SC(SYS_ARCH_PRCTL, NYAN_ARCH_SET_FS, fs, 0) != 0) return 1;
    tls_wait(1);
    if (fs_word(0) != fs[0]) return printf("# tls-selector: ARCH_SET_FS after the selector\n"), 1;
    return 0;
}

/* spin-user: spins in user mode without a single system call, so only a
 * kill noticed at an interrupt can end it (kill-running-elsewhere); if none
 * comes it gives up after 2^34 rounds (tens of seconds under TCG) and exits
 * 3, which the case reports. */
static int spin_user(void) {
    for (unsigned long i = 0; i < (1ul << 34); ++i) __asm__ volatile("" ::: "memory");
    return 3;
}

/* ---- AT_RANDOM ---- */

#define AT_NULL_TYPE 0
#define AT_RANDOM_TYPE 25

const unsigned char* at_random_bytes(void) {
    unsigned long* sp = (unsigned long*)__nyan_initial_sp;
    char** p = (char**)(sp + 1 + sp[0] + 1); /* envp: after argc, argv[], NULL */
    while (*p) ++p;
    for (unsigned long* aux = (unsigned long*)(p + 1); aux[0] != AT_NULL_TYPE; aux += 2)
        if (aux[0] == AT_RANDOM_TYPE) return (const unsigned char*)aux[1];
    return NULL;
}

void at_random_hex(const unsigned char* bytes, char out[33]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[32] = '\0';
}

/* at-random DEPTH HEX...: one link of a chain of processes, each started
 * by the one before. Exits 0 if its AT_RANDOM bytes are there, not all
 * zero, and differ from those of every earlier process (HEX, in order);
 * then, while DEPTH > 0, it starts the next link with its own bytes added
 * and exits with that one's status. Otherwise AT_RANDOM_ZERO,
 * AT_RANDOM_MISSING, AT_RANDOM_EXEC_FAILED or AT_RANDOM_SAME_AS + the
 * index of the earlier process with the same bytes. */
static int at_random_link(int argc, char** argv) {
    if (argc < 2 || argc > 8) return 2;
    long depth = strtol(argv[1], NULL, 10);
    const unsigned char* own = at_random_bytes();
    if (!own) return AT_RANDOM_MISSING;
    char hex[33];
    at_random_hex(own, hex);
    int zero = 1;
    for (int i = 0; i < 16; ++i) zero = zero && own[i] == 0;
    if (zero) return AT_RANDOM_ZERO;
    for (int i = 2; i < argc; ++i) {
        if (!strcmp(argv[i], hex)) {
            printf("# at-random: pid %d has the AT_RANDOM bytes %s of process %d in the chain\n",
                   getpid(), hex, i - 2);
            return AT_RANDOM_SAME_AS + (i - 2);
        }
    }
    if (depth <= 0) return 0;
    char next_depth[24];
    snprintf(next_depth, sizeof next_depth, "%ld", depth - 1);
    char* next[12] = {(char*)SELF, (char*)"--child", (char*)"at-random", next_depth};
    int n = 4;
    for (int i = 2; i < argc; ++i) next[n++] = argv[i];
    next[n++] = hex;
    next[n] = NULL;
    long status = run_and_wait(SELF, next);
    if (status < 0 || !NYAN_WIFEXITED(status)) return AT_RANDOM_EXEC_FAILED;
    return NYAN_WEXITSTATUS(status);
}

int child_main(int argc, char** argv) {
    if (argc < 1) return 2;
    const char* m = argv[0];
    if (!strcmp(m, "hold")) return hold(argc > 1 ? strtol(argv[1], NULL, 10) : 1);
    if (!strcmp(m, "argcheck")) return argcheck(argc, argv);
    if (!strcmp(m, "exit")) return argc > 1 ? atoi(argv[1]) : 0;
    if (!strcmp(m, "sleep")) return sleep(argc > 1 ? strtoul(argv[1], NULL, 10) : 1000), 0;
    if (!strcmp(m, "console-flood")) return console_flood(argc > 1 ? strtol(argv[1], NULL, 10) : 0);
    if (!strcmp(m, "fg-intruder")) return fg_intruder(argc > 1 ? atoi(argv[1]) : 0);
    if (!strcmp(m, "fg-heir")) return fg_heir();
    if (!strcmp(m, "selectors-set")) return selectors_set();
    if (!strcmp(m, "selectors-watch")) return selectors_watch();
    if (!strcmp(m, "orphan-parent")) return orphan_parent();
    if (!strcmp(m, "orphan-chain")) return orphan_chain();
    if (!strcmp(m, "fpu-dirty")) return fpu_dirty();
    if (!strcmp(m, "spin-user")) return spin_user();
    if (!strcmp(m, "ymm-dirty")) return ymm_dirty(argc > 1 ? strtol(argv[1], NULL, 10) : 1);
    if (!strcmp(m, "tls-hold")) return tls_hold(argc > 1 ? strtol(argv[1], NULL, 10) : 0);
    if (!strcmp(m, "tls-none")) return tls_none();
    if (!strcmp(m, "tls-selector")) return tls_selector();
    if (!strcmp(m, "at-random")) return at_random_link(argc, argv);
    if (!strcmp(m, "fd-inherit")) return fd_inherit_child(argc, argv);
    if (!strcmp(m, "fd-closed")) return fd_closed_child(argc, argv);
    int r = fault_mode(m);
    if (r == -1) {
        printf("# testsuite --child: unknown mode %s\n", m);
        return 2;
    }
    printf("# %s survived\n", m);
    return 99;
}
