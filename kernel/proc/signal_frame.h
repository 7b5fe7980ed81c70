// The frame a Linux signal handler runs on (x86_64's struct rt_sigframe),
// and the checks rt_sigreturn applies before it trusts any of it.
//
// From the interrupted stack pointer down (as Linux's get_sigframe): the
// 128-byte red zone (or the top of the alternate stack), the FPU image
// 64-byte aligned, then the frame, whose first word is the return address
// (sa_restorer), placed so that rsp + 8 is 16-byte aligned at the
// handler's first instruction, as after a call.
//
// rt_sigreturn trusts nothing it reads back: CS must be the user code
// selector and RIP a user address (a non-canonical RIP would fault on the
// kernel's IRET, CVE-2012-0217), SS is forced to the user data selector
// (unless UC_STRICT_RESTORE_SS asks to fail instead), only the flags user
// code may change are taken (never IOPL, IF, VM...), and the FPU image's
// MXCSR must leave the reserved bits clear.
//
// Portable and host-tested; proc/signal_delivery copies these structures
// to and from user memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"
#include "nyanos/lib/result.h"
#include "proc/signals.h"

namespace nyanos::proc {

struct LinuxSigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;  // user address of the FPU image, 0 for none
    uint64_t reserved1[8];
};
static_assert(sizeof(LinuxSigcontext) == 256);

struct LinuxStack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
static_assert(sizeof(LinuxStack) == 24);

inline constexpr uint64_t kUcFpXstate = 1, kUcSigcontextSs = 2, kUcStrictRestoreSs = 4;

struct LinuxUcontext {
    uint64_t flags;
    uint64_t link;
    LinuxStack stack;
    LinuxSigcontext mcontext;
    SigSet sigmask;
};
static_assert(sizeof(LinuxUcontext) == 304);

// siginfo_t: 128 bytes; the fields after the first three depend on the
// signal (kill: pid, uid; SIGCHLD: pid, uid, status, utime, stime; faults:
// addr).
struct LinuxSiginfo {
    int32_t signo;
    int32_t error;
    int32_t code;
    int32_t pad;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
            int32_t pad;
            int64_t utime, stime;
        } child;
        uint64_t addr;
        uint8_t bytes[112];
    } fields;
};
static_assert(sizeof(LinuxSiginfo) == 128);

struct RtSigframe {
    uint64_t pretcode;  // the handler's return address: sa_restorer
    LinuxUcontext uc;
    LinuxSiginfo info;
};
static_assert(sizeof(RtSigframe) == 440);

// Where a handler's frame goes; an error when the alternate stack it must
// use cannot hold it (the caller then kills with SIGSEGV, as Linux does).
struct SignalFramePlan {
    uint64_t frame_at;    // the RtSigframe, and the handler's rsp
    uint64_t fpstate_at;  // the FPU image, 64-byte aligned
    bool on_altstack;     // the frame is on the alternate stack
};
Result<SignalFramePlan> plan_signal_frame(uint64_t user_rsp, const ThreadSignals& thread,
                                          const SigAction& action, size_t fpu_bytes);

// Whether `sp` lies on the thread's alternate stack.
bool on_altstack(const ThreadSignals& thread, uint64_t sp);

// The siginfo of signal `sig` with `info` (the fields that are not set
// stay as `out` had them: zero it first).
void fill_siginfo(LinuxSiginfo& out, int sig, const PendingInfo& info);

// The frame for signal `sig` interrupting `regs`: saved registers, the
// mask to restore (`saved_mask`), the alternate stack's settings, the
// siginfo. `cr2` is the fault address for a page fault (else 0).
void fill_signal_frame(RtSigframe& frame, const arch::InterruptFrame& regs, int sig,
                       const PendingInfo& info, SigSet saved_mask, const ThreadSignals& thread,
                       const SigAction& action, const SignalFramePlan& plan, uint64_t cr2);

// Points `regs` at the handler: rip, rsp, the three arguments (signal,
// &info, &uc), rax 0, and the direction, trap and resume flags cleared.
void enter_handler(arch::InterruptFrame& regs, int sig, const SigAction& action,
                   const SignalFramePlan& plan);

// rt_sigreturn: the registers and mask from `frame`, checked as above.
// kFault when the frame is not acceptable (the caller kills with SIGSEGV).
// `regs` is changed only on success.
Result<void> restore_signal_frame(const RtSigframe& frame, arch::InterruptFrame& regs,
                                  SigSet& blocked);

// The FPU image's checks before it is loaded: MXCSR against the CPU's
// MXCSR_MASK. (The legacy region, an fxsave area's first 512 bytes.)
bool fpu_image_acceptable(const uint8_t* image, uint32_t mxcsr_mask);

// The FPU part of a signal frame, as Linux x86_64 lays it out
// (arch/x86/kernel/fpu/signal.c). With XSAVE: the xsave image of every
// enabled component (xstate_size bytes, 64-byte aligned), its software
// bytes (the legacy region's bytes 464..511, struct _fpx_sw_bytes) saying
// so with FP_XSTATE_MAGIC1, the sizes and XCR0, FP_XSTATE_MAGIC2 in the 4
// bytes after it, and UC_FP_XSTATE in the ucontext's flags. Without XSAVE:
// a 512-byte fxsave image, software bytes zero.
struct SignalFpuLayout {
    bool xsave = false;
    uint32_t xstate_size = 512;  // CPUID.(0xD,0).EBX with XSAVE
    uint64_t xfeatures = 0;      // XCR0
    uint32_t mxcsr_mask = 0xffbf;
};

inline constexpr uint32_t kFpXstateMagic1 = 0x46505853;  // "FPXS"
inline constexpr uint32_t kFpXstateMagic2 = 0x46505845;  // "FPXE"
inline constexpr size_t kFxsaveBytes = 512;
inline constexpr size_t kXsaveHeaderBytes = 64;
inline constexpr uint64_t kXfeatureFpSse = 0x3;

// The image's bytes in the frame (plan_signal_frame's fpu_bytes; it
// reserves the 4 bytes of FP_XSTATE_MAGIC2 after them itself).
constexpr size_t signal_fpu_image_bytes(const SignalFpuLayout& layout) {
    return layout.xsave ? layout.xstate_size : kFxsaveBytes;
}

// Turns what fpu_save() wrote into `image` (signal_fpu_image_bytes() plus 4
// bytes of room) into the frame's FPU image: the software bytes (zero
// without XSAVE), FP and SSE marked present in the XSAVE header as Linux
// does (a consumer may read them from the legacy region whatever the
// init optimization left), and FP_XSTATE_MAGIC2 after the image.
void finish_signal_fpu_image(uint8_t* image, const SignalFpuLayout& layout);

// rt_sigreturn, first step: from the image's first 512 bytes, how many to
// read in all. An xsave image (what finish_signal_fpu_image() writes, or a
// program's own) says so in its software bytes: FP_XSTATE_MAGIC1 and a
// size between 576 and this CPU's, no larger than extended_size; then
// its size plus the 4 bytes of FP_XSTATE_MAGIC2. Anything else is a
// legacy image: 512 bytes. As Linux's check_xstate_in_sigframe().
size_t signal_fpu_bytes_to_read(const uint8_t* first512, const SignalFpuLayout& layout);

// rt_sigreturn, second step, on the `bytes` read (what the first step
// said): makes the image one the restore instruction cannot fault on, as
// Linux restores it, or says it is unacceptable (the caller kills with
// SIGSEGV, where Linux's restore would have faulted). `image` must hold
// signal_fpu_image_bytes() + 64 bytes.
// - MXCSR within the CPU's MXCSR_MASK (else unacceptable).
// - An xsave image whose FP_XSTATE_MAGIC2 is in place: the XSAVE header
//   must be the standard format's (XCOMP_BV and the reserved bytes zero)
//   and XSTATE_BV within XCR0 (else unacceptable); components the software
//   bytes' xfeatures leave out are restored to their initial state.
// - Otherwise (a legacy image, or a broken second magic, as Linux treats
//   it) with XSAVE: x87 and SSE from the legacy region, every other
//   component initialized (the header is rewritten to say so).
// The software bytes are cleared either way.
bool prepare_signal_fpu_restore(uint8_t* image, size_t bytes, const SignalFpuLayout& layout);

// AT_MINSIGSTKSZ as Linux 6.1 (x86_64, CONFIG_IA32_EMULATION as Debian
// builds it) computes it in init_sigframe_size(): the largest frame
// (struct sigframe_ia32, 732 bytes, its padding 15), the FPU state
// (fpu__get_fpstate_size(): the image, FP_XSTATE_MAGIC2 with XSAVE, and
// the 112-byte fsave header 32-bit frames add) and 63 bytes of alignment,
// rounded up to 16. 1,760 with AVX's 832-byte image, 3,616 with AVX-512.
constexpr uint64_t linux_min_signal_stack(const SignalFpuLayout& layout) {
    uint64_t fpstate = signal_fpu_image_bytes(layout) + (layout.xsave ? 4 : 0) + 112;
    uint64_t size = 732 + 15 + fpstate + 63;
    return (size + 15) & ~uint64_t(15);
}

}  // namespace nyanos::proc
