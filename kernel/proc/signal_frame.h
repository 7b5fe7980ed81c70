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
// MXCSR_MASK. (The image is a 512-byte fxsave area.)
bool fpu_image_acceptable(const uint8_t* image, uint32_t mxcsr_mask);

}  // namespace nyanos::proc
