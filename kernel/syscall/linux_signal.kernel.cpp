// Linux's signal calls: the argument checks and user copies; the rules are
// proc/signals.h, delivery proc/signal_delivery.h.
#include "syscall/linux_signal.h"

#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/signal_frame.h"
#include "arch/x86_64/timer.h"
#include "syscall/linux_time_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

using proc::SigAction;
using proc::SigSet;

// Every call that takes a sigset_t also takes its size, which must be
// the kernel's (8 bytes) on x86_64.
constexpr uint64_t kSigSetSize = sizeof(SigSet);

// stack_t as sigaltstack passes it.
struct LinuxStackT {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};

}  // namespace

// rt_sigaction(sig, act, oact, sigsetsize)
int64_t linux_rt_sigaction(SyscallFrame& f) {
    if (f.r10 != kSigSetSize) return errno_of(Error::kInvalid);
    SigAction new_action, old_action;
    if (f.rsi) {
        auto r = copy_from_user(&new_action, f.rsi, sizeof(new_action));
        if (!r.ok()) return errno_of(r.error());
    }
    auto r = proc::change_signal_action(int(f.rdi), f.rsi ? &new_action : nullptr,
                                        f.rdx ? &old_action : nullptr);
    if (!r.ok()) return errno_of(r.error());
    if (f.rdx) return result_of(copy_to_user(f.rdx, &old_action, sizeof(old_action)));
    return 0;
}

// rt_sigprocmask(how, set, oldset, sigsetsize)
int64_t linux_rt_sigprocmask(SyscallFrame& f) {
    if (f.r10 != kSigSetSize) return errno_of(Error::kInvalid);
    SigSet set;
    if (f.rsi) {
        auto r = copy_from_user(&set, f.rsi, sizeof(set));
        if (!r.ok()) return errno_of(r.error());
    }
    auto old = proc::change_signal_mask(int(f.rdi), f.rsi ? &set : nullptr);
    if (!old.ok()) return errno_of(old.error());
    if (f.rdx) return result_of(copy_to_user(f.rdx, &old.value(), sizeof(SigSet)));
    return 0;
}

// rt_sigpending(set, sigsetsize): pending and blocked.
int64_t linux_rt_sigpending(SyscallFrame& f) {
    if (f.rsi > kSigSetSize) return errno_of(Error::kInvalid);
    SigSet pending = proc::pending_signals();
    return result_of(copy_to_user(f.rdi, &pending, f.rsi));
}

// rt_sigsuspend(mask, sigsetsize)
int64_t linux_rt_sigsuspend(SyscallFrame& f) {
    if (f.rsi != kSigSetSize) return errno_of(Error::kInvalid);
    SigSet mask;
    auto r = copy_from_user(&mask, f.rdi, sizeof(mask));
    if (!r.ok()) return errno_of(r.error());
    return errno_of(proc::suspend_with_mask(mask));
}

// rt_sigtimedwait(set, info, timeout, sigsetsize): sigwaitinfo and
// sigtimedwait. A null timeout waits for ever, a zero one only looks.
int64_t linux_rt_sigtimedwait(SyscallFrame& f) {
    if (f.r10 != kSigSetSize) return errno_of(Error::kInvalid);
    SigSet set;
    auto r = copy_from_user(&set, f.rdi, sizeof(set));
    if (!r.ok()) return errno_of(r.error());
    proc::Deadline deadline;
    bool poll = false;
    if (f.rdx) {
        linux_abi::Timespec ts;
        auto t = copy_from_user(&ts, f.rdx, sizeof(ts));
        if (!t.ok()) return errno_of(t.error());
        if (!linux_abi::valid(ts)) return errno_of(Error::kInvalid);
        uint64_t ns = linux_abi::to_ns_saturating(ts);
        poll = ns == 0;
        uint64_t now = arch::monotonic_ns();
        deadline.monotonic_ns = ns > ~0ull - now ? ~0ull : now + ns;
    }
    proc::PendingInfo pending{};
    auto sig = proc::wait_for_signal(set, deadline, poll, pending);
    if (!sig.ok()) return errno_of(sig.error());
    if (f.rsi) {
        proc::LinuxSiginfo info{};
        proc::fill_siginfo(info, sig.value(), pending);
        auto c = copy_to_user(f.rsi, &info, sizeof(info));
        if (!c.ok()) return errno_of(c.error());
    }
    return sig.value();
}

int64_t linux_pause(SyscallFrame&) {
    SigSet blocked = proc::change_signal_mask(proc::kSigBlock, nullptr).value();
    return errno_of(proc::suspend_with_mask(blocked));
}

// rt_sigreturn: every register comes from the handler's frame (returned
// through IRET); rax is the frame's too.
int64_t linux_rt_sigreturn(SyscallFrame& f) {
    proc::return_from_handler(f);
    request_full_return();
    return int64_t(f.rax);
}

// sigaltstack(ss, old_ss)
int64_t linux_sigaltstack(SyscallFrame& f) {
    LinuxStackT in{};
    if (f.rdi) {
        auto r = copy_from_user(&in, f.rdi, sizeof(in));
        if (!r.ok()) return errno_of(r.error());
    }
    proc::AltStack new_stack{in.sp, uint32_t(in.flags), in.size};
    proc::AltStack old_stack{};
    auto r =
        proc::change_altstack(f.rdi ? &new_stack : nullptr, f.rsi ? &old_stack : nullptr, f.rsp);
    if (!r.ok()) return errno_of(r.error());
    if (!f.rsi) return 0;
    LinuxStackT out{old_stack.sp, int32_t(old_stack.flags), 0, old_stack.size};
    return result_of(copy_to_user(f.rsi, &out, sizeof(out)));
}

// kill(pid, sig)
int64_t linux_kill(SyscallFrame& f) {
    return result_of(proc::signal_processes(int(f.rdi), int(f.rsi)));
}

// tkill(tid, sig) and tgkill(tgid, tid, sig): to one thread (tgkill: of
// process tgid), with SI_TKILL from the caller.
namespace {

int64_t thread_kill(int tgid, int tid, int sig) {
    proc::PendingInfo info{proc::kSiTkill, proc::current_process()->pid, 0, 0, 0};
    return result_of(proc::signal_thread(tgid, tid, sig, info));
}

}  // namespace

int64_t linux_tkill(SyscallFrame& f) {
    int tid = int(f.rdi), sig = int(f.rsi);
    if (tid <= 0) return errno_of(Error::kInvalid);
    return thread_kill(0, tid, sig);
}

int64_t linux_tgkill(SyscallFrame& f) {
    int tgid = int(f.rdi), tid = int(f.rsi), sig = int(f.rdx);
    if (tgid <= 0 || tid <= 0) return errno_of(Error::kInvalid);
    return thread_kill(tgid, tid, sig);
}

namespace {

// rt_sigqueueinfo's and rt_tgsigqueueinfo's common part: the caller's
// siginfo, which may not pretend to come from the kernel or from kill()
// unless the caller signals its own process (Linux's rule: si_code >= 0 or
// SI_TKILL is EPERM then). `tid` 0: to the process `pid`; otherwise to
// that thread of it.
int64_t queue_with_info(int pid, int tid, int sig, uint64_t user_info) {
    proc::LinuxSiginfo info;
    auto r = copy_from_user(&info, user_info, sizeof(info));
    if (!r.ok()) return errno_of(r.error());
    // Linux compares the caller with the target: its process for
    // rt_sigqueueinfo, its own thread for rt_tgsigqueueinfo.
    bool to_self = tid ? tid == proc::current_thread()->tid : pid == proc::current_process()->pid;
    if ((info.code >= 0 || info.code == proc::kSiTkill) && !to_self)
        return errno_of(Error::kPermission);
    uint64_t value;
    __builtin_memcpy(&value, info.fields.bytes + 8, sizeof(value));
    proc::PendingInfo pending{info.code, info.fields.child.pid, 0, 0, value};
    if (tid) return result_of(proc::signal_thread(pid, tid, sig, pending));
    return result_of(proc::queue_signal(pid, sig, pending));
}

}  // namespace

// rt_sigqueueinfo(tgid, sig, info)
int64_t linux_rt_sigqueueinfo(SyscallFrame& f) {
    return queue_with_info(int(f.rdi), 0, int(f.rsi), f.rdx);
}

// rt_tgsigqueueinfo(tgid, tid, sig, info): to one thread of process tgid.
int64_t linux_rt_tgsigqueueinfo(SyscallFrame& f) {
    int tgid = int(f.rdi), tid = int(f.rsi);
    if (tgid <= 0 || tid <= 0) return errno_of(Error::kInvalid);
    return queue_with_info(tgid, tid, int(f.rdx), f.r10);
}

}  // namespace nyanos::sys
