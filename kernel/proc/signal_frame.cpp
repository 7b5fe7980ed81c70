#include "proc/signal_frame.h"

#include <string.h>

namespace nyanos::proc {

namespace {

constexpr uint64_t kRedZone = 128;
constexpr uint64_t kUserEnd = 0x0000800000000000ull;
constexpr uint16_t kUserCode = 0x23, kUserData = 0x1b;
// The flags a handler may change through its frame (Linux's FIX_EFLAGS):
// AC, OF, DF, TF, SF, ZF, AF, PF, CF and RF.
constexpr uint64_t kUserFlags = (1u << 18) | (1u << 11) | (1u << 10) | (1u << 8) | (1u << 7) |
                                (1u << 6) | (1u << 4) | (1u << 2) | (1u << 0) | (1u << 16);
constexpr uint64_t kFlagTf = 1u << 8, kFlagDf = 1u << 10, kFlagRf = 1u << 16;
// FP_XSTATE_MAGIC2: Linux ends an FPU image with it (checked by its
// restore of extended state); the 4 bytes are reserved after the image.
constexpr uint64_t kMagic2Bytes = 4;

}  // namespace

bool on_altstack(const ThreadSignals& thread, uint64_t sp) {
    if (thread.altstack_flags & kSsDisable) return false;
    return sp > thread.altstack_sp && sp - thread.altstack_sp <= thread.altstack_size;
}

Result<SignalFramePlan> plan_signal_frame(uint64_t user_rsp, const ThreadSignals& thread,
                                          const SigAction& action, size_t fpu_bytes) {
    SignalFramePlan plan{};
    uint64_t sp = user_rsp - kRedZone;
    bool already_on = on_altstack(thread, user_rsp);
    if ((action.flags & kSaOnStack) && !(thread.altstack_flags & kSsDisable) && !already_on) {
        sp = thread.altstack_sp + thread.altstack_size;
        plan.on_altstack = true;
    } else {
        plan.on_altstack = already_on;
    }
    sp = (sp - fpu_bytes - kMagic2Bytes) & ~uint64_t(63);
    plan.fpstate_at = sp;
    sp = ((sp - sizeof(RtSigframe)) & ~uint64_t(15)) - 8;
    plan.frame_at = sp;
    // A frame that would run off the bottom of the alternate stack (or
    // wrap below 0) is refused: the thread gets SIGSEGV instead.
    if (sp > user_rsp && !plan.on_altstack) return Error::kFault;
    if (plan.on_altstack && sp < thread.altstack_sp) return Error::kFault;
    return plan;
}

void fill_signal_frame(RtSigframe& frame, const arch::InterruptFrame& regs, int sig,
                       const PendingInfo& info, SigSet saved_mask, const ThreadSignals& thread,
                       const SigAction& action, const SignalFramePlan& plan, uint64_t cr2) {
    memset(&frame, 0, sizeof(frame));
    frame.pretcode = action.restorer;
    frame.uc.flags = kUcSigcontextSs;  // a legacy (fxsave) FPU image: no UC_FP_XSTATE
    frame.uc.stack.sp = thread.altstack_sp;
    frame.uc.stack.size = thread.altstack_size;
    frame.uc.stack.flags = int32_t(thread.altstack_flags & ~kSsAutoDisarm);
    if (plan.on_altstack && !(thread.altstack_flags & kSsDisable))
        frame.uc.stack.flags |= int32_t(kSsOnStack);
    LinuxSigcontext& sc = frame.uc.mcontext;
    sc.r8 = regs.r8, sc.r9 = regs.r9, sc.r10 = regs.r10, sc.r11 = regs.r11;
    sc.r12 = regs.r12, sc.r13 = regs.r13, sc.r14 = regs.r14, sc.r15 = regs.r15;
    sc.rdi = regs.rdi, sc.rsi = regs.rsi, sc.rbp = regs.rbp, sc.rbx = regs.rbx;
    sc.rdx = regs.rdx, sc.rax = regs.rax, sc.rcx = regs.rcx, sc.rsp = regs.rsp;
    sc.rip = regs.rip, sc.eflags = regs.rflags;
    sc.cs = uint16_t(regs.cs), sc.ss = uint16_t(regs.ss);
    bool fault = regs.vector < 32;
    sc.trapno = fault ? regs.vector : 0;
    sc.err = fault ? regs.error_code : 0;
    sc.cr2 = cr2;
    sc.oldmask = saved_mask;
    sc.fpstate = plan.fpstate_at;
    frame.uc.sigmask = saved_mask;

    fill_siginfo(frame.info, sig, info);
}

void fill_siginfo(LinuxSiginfo& out, int sig, const PendingInfo& info) {
    out.signo = sig;
    out.code = info.code;
    if (sig == kSigChld) {
        out.fields.child.pid = info.pid;
        out.fields.child.status = info.status;
    } else if (kSynchronous & sig_bit(sig) && info.code > 0) {
        out.fields.addr = info.addr;
    } else {
        out.fields.child.pid = info.pid;  // si_pid, si_uid (0: root)
        // A queued signal's value (sigqueue): si_value, after si_uid.
        if (info.code < 0 && info.code != kSiTkill)
            memcpy(out.fields.bytes + 8, &info.addr, sizeof(info.addr));
        // A POSIX timer's: si_tid, si_overrun (where si_uid is), si_value.
        if (info.code == kSiTimer) out.fields.child.uid = uint32_t(info.status);
    }
}

void enter_handler(arch::InterruptFrame& regs, int sig, const SigAction& action,
                   const SignalFramePlan& plan) {
    regs.rip = action.handler;
    regs.rsp = plan.frame_at;
    regs.rdi = uint64_t(sig);
    regs.rsi = plan.frame_at + offsetof(RtSigframe, info);
    regs.rdx = plan.frame_at + offsetof(RtSigframe, uc);
    regs.rax = 0;
    regs.rflags &= ~(kFlagTf | kFlagDf | kFlagRf);
    regs.cs = kUserCode;
    regs.ss = kUserData;
}

Result<void> restore_signal_frame(const RtSigframe& frame, arch::InterruptFrame& regs,
                                  SigSet& blocked) {
    const LinuxSigcontext& sc = frame.uc.mcontext;
    if (sc.cs != kUserCode) return Error::kFault;
    if (sc.rip >= kUserEnd) return Error::kFault;
    uint16_t ss = sc.ss;
    if (ss != kUserData) {
        if (frame.uc.flags & kUcStrictRestoreSs) return Error::kFault;
        ss = kUserData;
    }
    regs.r8 = sc.r8, regs.r9 = sc.r9, regs.r10 = sc.r10, regs.r11 = sc.r11;
    regs.r12 = sc.r12, regs.r13 = sc.r13, regs.r14 = sc.r14, regs.r15 = sc.r15;
    regs.rdi = sc.rdi, regs.rsi = sc.rsi, regs.rbp = sc.rbp, regs.rbx = sc.rbx;
    regs.rdx = sc.rdx, regs.rax = sc.rax, regs.rcx = sc.rcx, regs.rsp = sc.rsp;
    regs.rip = sc.rip;
    regs.cs = kUserCode;
    regs.ss = ss;
    regs.rflags = (regs.rflags & ~kUserFlags) | (sc.eflags & kUserFlags);
    blocked = frame.uc.sigmask & ~kUnblockable;
    return {};
}

bool fpu_image_acceptable(const uint8_t* image, uint32_t mxcsr_mask) {
    uint32_t mxcsr;
    memcpy(&mxcsr, image + 24, sizeof(mxcsr));
    return (mxcsr & ~mxcsr_mask) == 0;
}

namespace {

// struct _fpx_sw_bytes, in the legacy region's software bytes.
constexpr size_t kSwBytesAt = 464;
constexpr size_t kSwBytes = 48;
struct FpxSwBytes {
    uint32_t magic1;
    uint32_t extended_size;  // the image and FP_XSTATE_MAGIC2
    uint64_t xfeatures;
    uint32_t xstate_size;  // the image, FP_XSTATE_MAGIC2 excluded
    uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == kSwBytes);

constexpr size_t kXstateBvAt = kFxsaveBytes;
constexpr size_t kXcompBvAt = kFxsaveBytes + 8;

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
uint32_t load32(const uint8_t* p) {
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

// What the software bytes say, if they describe an xsave image that fits
// this CPU's (Linux's check_xstate_in_sigframe() without the second magic).
bool describes_xstate(const FpxSwBytes& sw, const SignalFpuLayout& layout) {
    return layout.xsave && sw.magic1 == kFpXstateMagic1 &&
           sw.xstate_size >= kFxsaveBytes + kXsaveHeaderBytes &&
           sw.xstate_size <= layout.xstate_size && sw.xstate_size <= sw.extended_size;
}

}  // namespace

void finish_signal_fpu_image(uint8_t* image, const SignalFpuLayout& layout) {
    memset(image + kSwBytesAt, 0, kSwBytes);
    if (!layout.xsave) return;
    FpxSwBytes sw{};
    sw.magic1 = kFpXstateMagic1;
    sw.extended_size = layout.xstate_size + 4;
    sw.xfeatures = layout.xfeatures;
    sw.xstate_size = layout.xstate_size;
    memcpy(image + kSwBytesAt, &sw, sizeof(sw));
    uint64_t xstate_bv = load64(image + kXstateBvAt) | kXfeatureFpSse;
    memcpy(image + kXstateBvAt, &xstate_bv, sizeof(xstate_bv));
    memcpy(image + layout.xstate_size, &kFpXstateMagic2, sizeof(kFpXstateMagic2));
}

size_t signal_fpu_bytes_to_read(const uint8_t* first512, const SignalFpuLayout& layout) {
    FpxSwBytes sw;
    memcpy(&sw, first512 + kSwBytesAt, sizeof(sw));
    return describes_xstate(sw, layout) ? sw.xstate_size + 4 : kFxsaveBytes;
}

bool prepare_signal_fpu_restore(uint8_t* image, size_t bytes, const SignalFpuLayout& layout) {
    if (!fpu_image_acceptable(image, layout.mxcsr_mask)) return false;
    FpxSwBytes sw;
    memcpy(&sw, image + kSwBytesAt, sizeof(sw));
    memset(image + kSwBytesAt, 0, kSwBytes);
    if (!layout.xsave) return true;
    bool xstate = bytes > kFxsaveBytes && describes_xstate(sw, layout) &&
                  bytes == sw.xstate_size + 4 && load32(image + sw.xstate_size) == kFpXstateMagic2;
    if (!xstate) {
        // The legacy region only: x87 and SSE from it, the rest initial.
        memset(image + kXstateBvAt, 0, kXsaveHeaderBytes);
        uint64_t fp_sse = kXfeatureFpSse;
        memcpy(image + kXstateBvAt, &fp_sse, sizeof(fp_sse));
        return true;
    }
    // What xrstor would fault on: a compacted or reserved header, state
    // components this CPU does not have enabled.
    for (size_t i = kXcompBvAt; i < kXstateBvAt + kXsaveHeaderBytes; ++i)
        if (image[i]) return false;
    uint64_t xstate_bv = load64(image + kXstateBvAt);
    if (xstate_bv & ~layout.xfeatures) return false;
    // Components the frame does not carry are initialized, as Linux does
    // (init_bv = the user features outside fx_sw->xfeatures).
    xstate_bv &= sw.xfeatures & layout.xfeatures;
    memcpy(image + kXstateBvAt, &xstate_bv, sizeof(xstate_bv));
    // Past the frame's own size nothing was read: xrstor must not load it.
    if (sw.xstate_size < layout.xstate_size) {
        memset(image + sw.xstate_size, 0, layout.xstate_size - sw.xstate_size);
    }
    return true;
}

}  // namespace nyanos::proc
