// Linux signal rules and the handler frame: default actions, which pending
// signal goes first, rt_sigaction's and rt_sigprocmask's checks, where a
// frame goes (red zone, alignment, the alternate stack), and that
// rt_sigreturn refuses forged frames.
#include <doctest/doctest.h>
#include <string.h>

#include "proc/signal_frame.h"
#include "proc/signals.h"

using namespace nyanos;
using namespace nyanos::proc;

TEST_CASE("signals: default actions as signal(7) lists them") {
    CHECK(default_action(kSigTerm) == DefaultAction::kTerminate);
    CHECK(default_action(kSigSegv) == DefaultAction::kCore);
    CHECK(default_action(kSigChld) == DefaultAction::kIgnore);
    CHECK(default_action(kSigWinch) == DefaultAction::kIgnore);
    CHECK(default_action(kSigCont) == DefaultAction::kContinue);
    CHECK(default_action(kSigTstp) == DefaultAction::kStop);
    CHECK(default_action(40) == DefaultAction::kTerminate);
    CHECK(default_action(kSigPipe) == DefaultAction::kTerminate);
}

TEST_CASE("signals: a fault's signal goes first, then the lowest number, never a blocked one") {
    CHECK(next_signal(0, 0) == 0);
    CHECK(next_signal(sig_bit(kSigTerm) | sig_bit(kSigUsr1), 0) == kSigUsr1);
    CHECK(next_signal(sig_bit(kSigHup) | sig_bit(kSigSegv), 0) == kSigSegv);
    CHECK(next_signal(sig_bit(kSigHup) | sig_bit(kSigSegv), sig_bit(kSigSegv)) == kSigHup);
    CHECK(next_signal(sig_bit(64), 0) == 64);
    CHECK(next_signal(sig_bit(kSigUsr1), sig_bit(kSigUsr1)) == 0);
}

TEST_CASE("signals: rt_sigaction's checks and effects") {
    SignalActions table;
    ThreadSignals thread;
    sync::Guard lock(g_signal_lock);
    SigAction handler{0x401000, kSaSiginfo | kSaRestorer, 0x401100, ~0ull};
    CHECK(change_action(table, thread, 0, &handler, nullptr).error() == Error::kInvalid);
    CHECK(change_action(table, thread, 65, nullptr, nullptr).error() == Error::kInvalid);
    CHECK(change_action(table, thread, kSigKill, &handler, nullptr).error() == Error::kInvalid);
    CHECK(change_action(table, thread, kSigStop, &handler, nullptr).error() == Error::kInvalid);
    SigAction old{};
    CHECK(change_action(table, thread, kSigKill, nullptr, &old).ok());  // reading is fine
    CHECK(change_action(table, thread, kSigUsr1, &handler, &old).ok());
    CHECK(old.handler == kSigDfl);
    CHECK(table.action(kSigUsr1).handler == 0x401000);
    CHECK((table.action(kSigUsr1).mask & kUnblockable) == 0);
    CHECK(!table.ignores(kSigUsr1));
    // Ignoring a signal discards it where it is pending.
    table.pending = sig_bit(kSigUsr2);
    thread.pending = sig_bit(kSigUsr2);
    SigAction ignore{kSigIgn, 0, 0, 0};
    CHECK(change_action(table, thread, kSigUsr2, &ignore, nullptr).ok());
    CHECK(table.pending == 0);
    CHECK(thread.pending == 0);
    CHECK(table.ignores(kSigUsr2));
    CHECK(table.ignores(kSigChld));  // SIG_DFL, default ignore
    CHECK(!table.ignores(kSigTerm));
}

TEST_CASE("signals: rt_sigprocmask's how, and SIGKILL/SIGSTOP never blocked") {
    CHECK(apply_mask_change(0, kSigBlock, ~0ull).value() == ~kUnblockable);
    CHECK(apply_mask_change(sig_bit(3) | sig_bit(4), kSigUnblock, sig_bit(3)).value() ==
          sig_bit(4));
    CHECK(apply_mask_change(sig_bit(3), kSigSetMask, sig_bit(5)).value() == sig_bit(5));
    CHECK(apply_mask_change(0, 3, 0).error() == Error::kInvalid);
}

namespace {

arch::InterruptFrame user_regs() {
    arch::InterruptFrame r{};
    r.r15 = 15, r.r14 = 14, r.r13 = 13, r.r12 = 12, r.r11 = 11, r.r10 = 10, r.r9 = 9, r.r8 = 8;
    r.rbp = 0x7000, r.rdi = 0xd1, r.rsi = 0x51, r.rdx = 0xd0, r.rcx = 0xc0, r.rbx = 0xb0;
    r.rax = 0xa0;
    r.rip = 0x401234, r.cs = 0x23, r.rflags = 0x246, r.rsp = 0x7ffc0000f00c, r.ss = 0x1b;
    r.vector = arch::kSyscallVector;
    return r;
}

}  // namespace

TEST_CASE("signal frame: below the red zone, FPU image 64-aligned, rsp+8 16-aligned") {
    ThreadSignals thread;
    SigAction action{0x401000, kSaSiginfo, 0x401100, 0};
    for (uint64_t rsp = 0x7ffc00010000; rsp < 0x7ffc00010040; rsp += 4) {
        auto plan = plan_signal_frame(rsp, thread, action, 512);
        REQUIRE(plan.ok());
        CHECK(plan.value().fpstate_at % 64 == 0);
        CHECK(plan.value().fpstate_at + 512 + 4 <= rsp - 128);
        CHECK((plan.value().frame_at + 8) % 16 == 0);
        CHECK(plan.value().frame_at + sizeof(RtSigframe) <= plan.value().fpstate_at);
        CHECK(!plan.value().on_altstack);
    }
}

TEST_CASE("signal frame: SA_ONSTACK uses the alternate stack, and refuses to overflow it") {
    ThreadSignals thread;
    thread.altstack_flags = 0;
    thread.altstack_sp = 0x10000000;
    thread.altstack_size = 0x4000;
    SigAction onstack{0x401000, kSaOnStack, 0x401100, 0};
    auto plan = plan_signal_frame(0x7ffc00010000, thread, onstack, 512);
    REQUIRE(plan.ok());
    CHECK(plan.value().on_altstack);
    CHECK(plan.value().frame_at > 0x10000000);
    CHECK(plan.value().fpstate_at + 516 <= 0x10004000);
    // Without SA_ONSTACK the normal stack is used.
    SigAction plain{0x401000, 0, 0x401100, 0};
    CHECK(!plan_signal_frame(0x7ffc00010000, thread, plain, 512).value().on_altstack);
    // A nested signal already on the alternate stack stays below the frame there.
    auto nested = plan_signal_frame(plan.value().frame_at, thread, onstack, 512);
    REQUIRE(nested.ok());
    CHECK(nested.value().on_altstack);
    CHECK(nested.value().fpstate_at + 516 <= plan.value().frame_at - 128);
    // A stack too small for the frame: refused.
    thread.altstack_size = 0x200;
    CHECK(!plan_signal_frame(0x7ffc00010000, thread, onstack, 512).ok());
    // Disabled: the normal stack.
    thread.altstack_flags = kSsDisable;
    CHECK(!plan_signal_frame(0x7ffc00010000, thread, onstack, 512).value().on_altstack);
}

TEST_CASE("signal frame: what the handler sees, and rt_sigreturn gives it all back") {
    ThreadSignals thread;
    SigAction action{0x401000, kSaSiginfo, 0x401100, 0};
    arch::InterruptFrame regs = user_regs();
    auto plan = plan_signal_frame(regs.rsp, thread, action, 512).value();
    RtSigframe frame;
    PendingInfo info{kSiUser, 42, 0, 0, 0};
    fill_signal_frame(frame, regs, kSigUsr1, info, sig_bit(kSigUsr2), thread, action, plan, 0);
    CHECK(frame.pretcode == 0x401100);
    CHECK(frame.info.signo == kSigUsr1);
    CHECK(frame.info.code == kSiUser);
    CHECK(frame.info.fields.child.pid == 42);
    CHECK(frame.uc.mcontext.rip == 0x401234);
    CHECK(frame.uc.mcontext.fpstate == plan.fpstate_at);
    CHECK(frame.uc.sigmask == sig_bit(kSigUsr2));
    arch::InterruptFrame handler = regs;
    enter_handler(handler, kSigUsr1, action, plan);
    CHECK(handler.rip == 0x401000);
    CHECK(handler.rsp == plan.frame_at);
    CHECK(handler.rdi == uint64_t(kSigUsr1));
    CHECK(handler.rsi == plan.frame_at + offsetof(RtSigframe, info));
    CHECK(handler.rdx == plan.frame_at + offsetof(RtSigframe, uc));

    arch::InterruptFrame back = handler;
    SigSet blocked = 0;
    REQUIRE(restore_signal_frame(frame, back, blocked).ok());
    CHECK(back.rip == regs.rip);
    CHECK(back.rsp == regs.rsp);
    CHECK(back.rax == regs.rax);
    CHECK(back.rbx == regs.rbx);
    CHECK(back.r15 == regs.r15);
    CHECK(back.rflags == regs.rflags);
    CHECK(blocked == sig_bit(kSigUsr2));
}

TEST_CASE("signal frame: rt_sigreturn refuses a forged frame, repairs SS, ignores IOPL") {
    ThreadSignals thread;
    SigAction action{0x401000, 0, 0x401100, 0};
    arch::InterruptFrame regs = user_regs();
    auto plan = plan_signal_frame(regs.rsp, thread, action, 512).value();
    RtSigframe good;
    fill_signal_frame(good, regs, kSigUsr1, PendingInfo{}, 0, thread, action, plan, 0);
    SigSet blocked;

    RtSigframe f = good;
    f.uc.mcontext.cs = 0x08;  // the kernel's code segment
    arch::InterruptFrame out = regs;
    CHECK(restore_signal_frame(f, out, blocked).error() == Error::kFault);
    CHECK(out.rip == regs.rip);  // untouched on failure

    f = good;
    f.uc.mcontext.rip = 0x0000800000000000ull;  // non-canonical
    CHECK(!restore_signal_frame(f, out, blocked).ok());
    f.uc.mcontext.rip = 0xffffffff80000000ull;  // the kernel half
    CHECK(!restore_signal_frame(f, out, blocked).ok());

    f = good;
    f.uc.mcontext.ss = 0x10;  // the kernel's data segment: repaired
    REQUIRE(restore_signal_frame(f, out, blocked).ok());
    CHECK(out.ss == 0x1b);
    f.uc.flags |= kUcStrictRestoreSs;  // unless asked to be strict
    CHECK(!restore_signal_frame(f, out, blocked).ok());

    f = good;
    f.uc.mcontext.eflags = 0x3000 | 0x200 | 0x20000 | 0x1;  // IOPL 3, IF, VM, CF
    f.uc.sigmask = ~0ull;
    arch::InterruptFrame base = regs;
    base.rflags = 0x202;
    REQUIRE(restore_signal_frame(f, base, blocked).ok());
    CHECK((base.rflags & 0x3000) == 0);
    CHECK((base.rflags & 0x20000) == 0);
    CHECK((base.rflags & 0x200) == 0x200);  // IF is the kernel's to keep
    CHECK((base.rflags & 1) == 1);          // CF is the program's
    CHECK((blocked & kUnblockable) == 0);
}

TEST_CASE("signal frame: an FPU image whose MXCSR sets reserved bits is refused") {
    uint8_t image[512] = {};
    uint32_t mxcsr = 0x1f80;
    memcpy(image + 24, &mxcsr, 4);
    CHECK(fpu_image_acceptable(image, 0xffbf));
    mxcsr = 0x1f80 | (1u << 20);
    memcpy(image + 24, &mxcsr, 4);
    CHECK(!fpu_image_acceptable(image, 0xffbf));
    mxcsr = 0x1fc0;  // DAZ: only where MXCSR_MASK has it
    memcpy(image + 24, &mxcsr, 4);
    CHECK(fpu_image_acceptable(image, 0xffff));
    CHECK(!fpu_image_acceptable(image, 0xffbf));
}
