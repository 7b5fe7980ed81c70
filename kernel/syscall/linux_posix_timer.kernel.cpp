// Linux's POSIX timers: timer_create, timer_settime, timer_gettime,
// timer_getoverrun, timer_delete. The argument checks and user copies, in
// Linux 6.1's order (kernel/time/posix-timers.c); the timers are
// proc/process_timers.h.
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/process_timers.h"
#include "syscall/linux_time.h"
#include "syscall/linux_time_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

using linux_abi::Timespec;

// struct sigevent (64 bytes): the value, the signal, how to notify, and
// the thread ID for SIGEV_THREAD_ID.
struct Sigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    int32_t tid;
    uint8_t pad[44];
};
static_assert(sizeof(Sigevent) == 64);

// struct __kernel_itimerspec: the period first.
struct Itimerspec {
    Timespec interval;
    Timespec value;
};
static_assert(sizeof(Itimerspec) == 32);

// Whether thread `tid` is one of the caller's process's (live) threads.
bool own_thread(int32_t tid) {
    proc::Process* me = proc::current_process();
    auto r = proc::with_thread(
        tid,
        [](proc::Thread& t, void* ctx) -> Result<void> {
            return t.process == ctx ? Result<void>{} : Result<void>{Error::kInvalid};
        },
        me);
    return r.ok();
}

// good_sigevent: kInvalid for an unknown notify, a signal outside
// 1..SIGRTMAX, or a SIGEV_THREAD_ID thread outside the process.
Result<void> check_sigevent(const Sigevent& ev) {
    switch (ev.notify) {
        case proc::kSigevSignal | proc::kSigevThreadId:
            if (!own_thread(ev.tid)) return Error::kInvalid;
            [[fallthrough]];
        case proc::kSigevSignal:
        case proc::kSigevThread:
            if (ev.signo <= 0 || ev.signo > proc::kSignalCount) return Error::kInvalid;
            [[fallthrough]];
        case proc::kSigevNone:
            return {};
        default:
            return Error::kInvalid;
    }
}

// The clocks a timer may count (clockid_to_kclock, then the clock's
// timer_create): kInvalid for unknown IDs, kNotSupported for clocks Linux
// has no timers on (MONOTONIC_RAW, the COARSE ones) and for the alarm
// clocks (no RTC alarm device). CPU-time clocks: the caller's process's,
// or the calling thread's (kInvalid for another process's or thread's,
// which Linux allows); `proto` gets what the tick needs for them.
Result<void> check_timer_clock(int32_t clockid, proc::PosixTimer& proto) {
    auto c = linux_abi::decode_clock(clockid);
    if (!c.ok()) return c.error();
    switch (c.value().kind) {
        case linux_abi::ClockKind::kRealtime:
        case linux_abi::ClockKind::kMonotonic:
        case linux_abi::ClockKind::kBoottime:
        case linux_abi::ClockKind::kTai:
            return {};
        case linux_abi::ClockKind::kMonotonicRaw:
        case linux_abi::ClockKind::kRealtimeCoarse:
        case linux_abi::ClockKind::kMonotonicCoarse:
        case linux_abi::ClockKind::kAlarm:
            return Error::kNotSupported;
        case linux_abi::ClockKind::kCpu: {
            proc::Thread* self = proc::current_thread();
            const linux_abi::Clock& cpu = c.value();
            if (cpu.per_thread ? cpu.pid != 0 && cpu.pid != self->tid
                               : cpu.pid != 0 && cpu.pid != self->process->pid)
                return Error::kInvalid;
            proto.cpu = true;
            proto.cpu_user_only = cpu.measure == linux_abi::CpuMeasure::kVirt;
            proto.cpu_tid = cpu.per_thread ? self->tid : 0;
            return {};
        }
    }
    return Error::kInvalid;
}

Itimerspec itimerspec_of(const proc::PosixTimerValue& v) {
    return Itimerspec{linux_abi::timespec_from_ns(v.interval_ns),
                      linux_abi::timespec_from_ns(v.value_ns)};
}

}  // namespace

// timer_create(clockid, sevp, timerid): a null sevp is SIGEV_SIGNAL with
// SIGALRM and the timer's ID as its value.
int64_t linux_timer_create(SyscallFrame& f) {
    Sigevent ev{};
    if (f.rsi) {
        auto r = copy_from_user(&ev, f.rsi, sizeof(ev));
        if (!r.ok()) return errno_of(r.error());
    }
    int32_t clockid = int32_t(f.rdi);
    proc::PosixTimer proto;
    auto ok = check_timer_clock(clockid, proto);
    if (!ok.ok()) return errno_of(ok.error());
    if (f.rsi) {
        ok = check_sigevent(ev);
        if (!ok.ok()) return errno_of(ok.error());
    }
    proto.clock = clockid;
    if (f.rsi) {
        proto.notify = ev.notify;
        proto.signo = ev.signo;
        proto.tid = ev.notify == (proc::kSigevSignal | proc::kSigevThreadId) ? ev.tid : 0;
        proto.sigval = ev.value;
    } else {
        proto.notify = proc::kSigevSignal;
        proto.signo = proc::kSigAlrm;
    }
    auto id = proc::create_posix_timer(proto, !f.rsi);
    if (!id.ok()) return errno_of(id.error());
    int32_t out = id.value();
    auto r = copy_to_user(f.rdx, &out, sizeof(out));
    if (!r.ok()) {
        (void)proc::delete_posix_timer(out);
        return errno_of(r.error());
    }
    return 0;
}

// timer_settime(id, flags, new_value, old_value): only TIMER_ABSTIME of
// the flags counts. The old setting is written after the change (EFAULT
// then leaves the new one in place, as on Linux).
int64_t linux_timer_settime(SyscallFrame& f) {
    if (!f.rdx) return errno_of(Error::kInvalid);
    Itimerspec in{};
    auto r = copy_from_user(&in, f.rdx, sizeof(in));
    if (!r.ok()) return errno_of(r.error());
    if (!linux_abi::valid(in.interval) || !linux_abi::valid(in.value))
        return errno_of(Error::kInvalid);
    proc::PosixTimerValue old;
    auto set =
        proc::set_posix_timer(int32_t(f.rdi), (f.rsi & linux_abi::kTimerAbstime) != 0,
                              linux_abi::to_ns_saturating(in.value),
                              linux_abi::to_ns_saturating(in.interval), f.r10 ? &old : nullptr);
    if (!set.ok()) return errno_of(set.error());
    if (!f.r10) return 0;
    Itimerspec out = itimerspec_of(old);
    return result_of(copy_to_user(f.r10, &out, sizeof(out)));
}

// timer_gettime(id, curr_value)
int64_t linux_timer_gettime(SyscallFrame& f) {
    auto v = proc::get_posix_timer(int32_t(f.rdi));
    if (!v.ok()) return errno_of(v.error());
    Itimerspec out = itimerspec_of(v.value());
    return result_of(copy_to_user(f.rsi, &out, sizeof(out)));
}

// timer_getoverrun(id)
int64_t linux_timer_getoverrun(SyscallFrame& f) {
    auto v = proc::posix_timer_overrun(int32_t(f.rdi));
    if (!v.ok()) return errno_of(v.error());
    return v.value();
}

// timer_delete(id)
int64_t linux_timer_delete(SyscallFrame& f) {
    return result_of(proc::delete_posix_timer(int32_t(f.rdi)));
}

}  // namespace nyanos::sys
