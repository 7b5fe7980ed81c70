// Linux's futex(2) and robust lists over proc/futex.h, with Linux 6.1's
// argument rules (kernel/futex/syscalls.c): which operations take which
// clock, what a zero bitset or a negative count means, when a private
// futex's address is not even read.
#include "syscall/linux_threads.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/timer.h"
#include "lib/wall_clock.h"
#include "proc/futex.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "syscall/linux_time_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

// The operations (futex.h's FUTEX_*), and the two flags an op may carry.
enum FutexCommand : int {
    kWait = 0,
    kWake = 1,
    kRequeue = 3,
    kCmpRequeue = 4,
    kWakeOp = 5,
    kWaitBitset = 9,
    kWakeBitset = 10,
    kWaitRequeuePi = 11,
    kLockPi2 = 13,
};
constexpr int kPrivateFlag = 128, kClockRealtime = 256;

// The deadline of a wait with a timeout: FUTEX_WAIT's is relative, the
// others' absolute on the clock the op names (CLOCK_MONOTONIC unless
// FUTEX_CLOCK_REALTIME). EFAULT, EINVAL for a bad timespec.
Result<proc::Deadline> wait_deadline(uint64_t user_timeout, bool relative, bool realtime) {
    linux_abi::Timespec ts;
    TRY(copy_from_user(&ts, user_timeout, sizeof(ts)));
    if (!linux_abi::valid(ts)) return Error::kInvalid;
    uint64_t ns = linux_abi::to_ns_saturating(ts);
    uint64_t now = arch::monotonic_ns();
    uint64_t at;
    if (relative)
        at = ns > ~uint64_t(0) - now ? ~uint64_t(0) : now + ns;
    else
        at = realtime ? wall_clock().monotonic_at(ns) : ns;
    // Deadline 0 means "none": a time already past is any past instant.
    return proc::Deadline{at ? at : 1};
}

// Linux's count arguments are ints; FUTEX_WAKE with 0 (or less) still wakes
// one waiter, as Linux's loop does.
int wake_count(uint32_t val) {
    int n = int(val);
    return n <= 0 ? 1 : n;
}

// FUTEX_WAKE_OP's operation on the word at uaddr2 (its old value returned)
// and its comparison. ENOSYS for an unknown op or comparison, as Linux.
Result<uint32_t> apply_wake_op(uint64_t uaddr2, uint32_t encoded) {
    constexpr uint32_t kOpSet = 0, kOpAdd = 1, kOpOr = 2, kOpAndn = 3, kOpXor = 4;
    constexpr uint32_t kOpArgShift = 8;
    uint32_t op = (encoded >> 28) & 0xf;
    int32_t oparg = int32_t(encoded << 8) >> 20;
    if (op & kOpArgShift) {
        op &= ~kOpArgShift;
        oparg = 1 << (oparg & 31);
    }
    if (op > kOpXor) return Error::kNoSys;
    for (;;) {
        uint32_t old;
        TRY(copy_from_user(&old, uaddr2, sizeof(old)));
        uint32_t now = op == kOpSet    ? uint32_t(oparg)
                       : op == kOpAdd  ? old + uint32_t(oparg)
                       : op == kOpOr   ? old | uint32_t(oparg)
                       : op == kOpAndn ? old & ~uint32_t(oparg)
                                       : old ^ uint32_t(oparg);
        uint32_t seen = TRY(compare_exchange_user_word(uaddr2, old, now));
        if (seen == old) return old;
    }
}

Result<bool> wake_op_compare(uint32_t encoded, uint32_t old) {
    constexpr uint32_t kCmpEq = 0, kCmpNe = 1, kCmpLt = 2, kCmpLe = 3, kCmpGt = 4, kCmpGe = 5;
    uint32_t cmp = (encoded >> 24) & 0xf;
    int32_t cmparg = int32_t(encoded << 20) >> 20;
    int32_t value = int32_t(old);
    switch (cmp) {
        case kCmpEq:
            return value == cmparg;
        case kCmpNe:
            return value != cmparg;
        case kCmpLt:
            return value < cmparg;
        case kCmpLe:
            return value <= cmparg;
        case kCmpGt:
            return value > cmparg;
        case kCmpGe:
            return value >= cmparg;
        default:
            return Error::kNoSys;
    }
}

}  // namespace

int64_t linux_futex(SyscallFrame& f) {
    uint64_t uaddr = f.rdi, timeout = f.r10, uaddr2 = f.r8;
    int op = int(f.rsi);
    uint32_t val = uint32_t(f.rdx), val3 = uint32_t(f.r9);
    int cmd = op & ~(kPrivateFlag | kClockRealtime);
    bool is_private = op & kPrivateFlag;
    bool realtime = op & kClockRealtime;
    if (realtime && cmd != kWait && cmd != kWaitBitset && cmd != kWaitRequeuePi && cmd != kLockPi2)
        return errno_of(Error::kNoSys);
    proc::Process& self = *proc::current_process();
    if (uaddr % 4) return errno_of(Error::kInvalid);
    switch (cmd) {
        case kWait:
        case kWaitBitset: {
            uint32_t bitset = cmd == kWait ? proc::kFutexBitsetAny : val3;
            if (!bitset) return errno_of(Error::kInvalid);
            proc::Deadline deadline;
            if (timeout) {
                auto at = wait_deadline(timeout, cmd == kWait, realtime);
                if (!at.ok()) return errno_of(at.error());
                deadline = at.value();
            }
            auto r = proc::futex_wait(self, uaddr, is_private, val, bitset, deadline);
            // A wait with a timeout is restarted only when no handler ran
            // (Linux's restart block); one without, per SA_RESTART.
            if (!r.ok() && r.error() == Error::kRestartSys && timeout)
                return errno_of(Error::kRestartNoHand);
            return result_of(static_cast<Result<void>&&>(r));
        }
        case kWake:
        case kWakeBitset: {
            uint32_t bitset = cmd == kWake ? proc::kFutexBitsetAny : val3;
            if (!bitset) return errno_of(Error::kInvalid);
            return result_of(proc::futex_wake(self, uaddr, is_private, wake_count(val), bitset));
        }
        case kRequeue:
        case kCmpRequeue: {
            int max_wake = int(val), max_requeue = int(timeout);
            if (max_wake < 0 || max_requeue < 0) return errno_of(Error::kInvalid);
            if (uaddr2 % 4) return errno_of(Error::kInvalid);
            return result_of(proc::futex_requeue(self, uaddr, uaddr2, is_private, max_wake,
                                                 max_requeue, cmd == kCmpRequeue, val3));
        }
        case kWakeOp: {
            if (uaddr2 % 4) return errno_of(Error::kInvalid);
            auto old = apply_wake_op(uaddr2, val3);
            if (!old.ok()) return errno_of(old.error());
            auto compare = wake_op_compare(val3, old.value());
            if (!compare.ok()) return errno_of(compare.error());
            auto woken =
                proc::futex_wake(self, uaddr, is_private, wake_count(val), proc::kFutexBitsetAny);
            if (!woken.ok() || !compare.value())
                return result_of(static_cast<Result<int>&&>(woken));
            auto second = proc::futex_wake(self, uaddr2, is_private, wake_count(uint32_t(timeout)),
                                           proc::kFutexBitsetAny);
            if (!second.ok()) return errno_of(second.error());
            return woken.value() + second.value();
        }
        default:
            // FUTEX_FD (gone from Linux) and the priority-inheritance
            // operations: not here.
            return errno_of(Error::kNoSys);
    }
}

int64_t linux_set_robust_list(SyscallFrame& f) {
    if (f.rsi != proc::kRobustListHeadBytes) return errno_of(Error::kInvalid);
    proc::current_thread()->words().robust_list = f.rdi;
    return 0;
}

int64_t linux_get_robust_list(SyscallFrame& f) {
    int tid = int(f.rdi);
    uint64_t head = 0;
    if (tid == 0) {
        head = proc::current_thread()->words().robust_list;
    } else {
        auto found = proc::with_thread(
            tid,
            [](proc::Thread& t, void* ctx) -> Result<void> {
                *static_cast<uint64_t*>(ctx) = t.words().robust_list;
                return {};
            },
            &head);
        if (!found.ok()) return errno_of(found.error());
    }
    uint64_t length = proc::kRobustListHeadBytes;
    if (!copy_to_user(f.rdx, &length, sizeof(length)).ok()) return errno_of(Error::kFault);
    if (!copy_to_user(f.rsi, &head, sizeof(head)).ok()) return errno_of(Error::kFault);
    return 0;
}

}  // namespace nyanos::sys
