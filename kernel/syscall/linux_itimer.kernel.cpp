// Linux's interval timers: setitimer, getitimer, alarm. The argument
// checks and user copies; the timers are proc/process_timers.h.
#include "proc/process_timers.h"
#include "syscall/linux_time.h"
#include "syscall/linux_time_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

using linux_abi::Timeval;

// struct __kernel_old_itimerval.
struct Itimerval {
    Timeval interval;
    Timeval value;
};
static_assert(sizeof(Itimerval) == 32);

Itimerval itimerval_of(const proc::TimerValue& v) {
    return Itimerval{linux_abi::timeval_from_ns(v.interval_ns),
                     linux_abi::timeval_from_ns(v.value_ns)};
}

}  // namespace

// getitimer(which, curr_value)
int64_t linux_getitimer(SyscallFrame& f) {
    auto v = proc::get_interval_timer(int(f.rdi));
    if (!v.ok()) return errno_of(v.error());
    Itimerval out = itimerval_of(v.value());
    return result_of(copy_to_user(f.rsi, &out, sizeof(out)));
}

// setitimer(which, new_value, old_value): a null new_value disarms, as
// Linux still allows. The new value is read and checked (EFAULT, EINVAL)
// before anything changes; the old one is written after (EFAULT then
// leaves the new setting in place, as on Linux).
int64_t linux_setitimer(SyscallFrame& f) {
    Itimerval in{};
    if (f.rsi) {
        auto r = copy_from_user(&in, f.rsi, sizeof(in));
        if (!r.ok()) return errno_of(r.error());
    }
    auto value = proc::timer_ns_from_timeval(in.value.tv_sec, in.value.tv_usec);
    if (!value.ok()) return errno_of(value.error());
    auto interval = proc::timer_ns_from_timeval(in.interval.tv_sec, in.interval.tv_usec);
    if (!interval.ok()) return errno_of(interval.error());
    proc::TimerValue old;
    auto r = proc::set_interval_timer(int(f.rdi), proc::TimerValue{value.value(), interval.value()},
                                      f.rdx ? &old : nullptr);
    if (!r.ok()) return errno_of(r.error());
    if (!f.rdx) return 0;
    Itimerval out = itimerval_of(old);
    return result_of(copy_to_user(f.rdx, &out, sizeof(out)));
}

// alarm(seconds): the seconds left on the previous alarm.
int64_t linux_alarm(SyscallFrame& f) {
    return int64_t(proc::set_alarm(uint32_t(f.rdi)));
}

}  // namespace nyanos::sys
