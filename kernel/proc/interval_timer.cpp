#include "proc/interval_timer.h"

#include "lib/nospec.h"

namespace nyanos::proc {

sync::SpinLock g_itimer_lock;

namespace {

constexpr uint64_t kNsPerUs = 1000, kNsPerSec = 1'000'000'000;

uint64_t saturating_add(uint64_t a, uint64_t b) {
    uint64_t sum = a + b;
    return sum < a || sum > kTimerMaxNs ? kTimerMaxNs : sum;
}

}  // namespace

Result<uint64_t> timer_ns_from_timeval(int64_t sec, int64_t usec) {
    if (sec < 0 || usec < 0 || usec >= 1'000'000) return Error::kInvalid;
    if (uint64_t(sec) >= kTimerMaxNs / kNsPerSec) return kTimerMaxNs;
    return uint64_t(sec) * kNsPerSec + uint64_t(usec) * kNsPerUs;
}

uint32_t alarm_seconds(uint64_t remaining_ns) {
    uint64_t sec = remaining_ns / kNsPerSec, ns = remaining_ns % kNsPerSec;
    if ((sec == 0 && ns != 0) || ns >= kNsPerSec / 2) ++sec;
    return sec > 0xffffffffull ? 0xffffffffu : uint32_t(sec);
}

TimerValue IntervalTimers::get(int which, uint64_t now, uint64_t tick_ns) const {
    if (which == kItimerReal) {
        uint64_t left = 0;
        if (real_expires) left = real_expires > now ? real_expires - now : kNsPerUs;
        return TimerValue{left, real_interval};
    }
    // `which` may be the caller's (checked): clamped under speculation too.
    size_t i = array_index_nospec(size_t(which - 1), 2);
    if (!cpu_armed[i]) return TimerValue{0, cpu_interval[i]};
    uint64_t left = cpu_left[i] > 0 ? uint64_t(cpu_left[i]) : tick_ns;
    return TimerValue{left, cpu_interval[i]};
}

void IntervalTimers::set(int which, const TimerValue& v, uint64_t now, uint64_t tick_ns) {
    if (which == kItimerReal) {
        real_expires = v.value_ns ? saturating_add(now, v.value_ns) : 0;
        real_interval = v.value_ns ? v.interval_ns : 0;
        real_fired_at = 0;
        return;
    }
    // `which` may be the caller's (checked): clamped under speculation too.
    size_t i = array_index_nospec(size_t(which - 1), 2);
    cpu_armed[i] = v.value_ns != 0;
    cpu_left[i] = v.value_ns ? int64_t(saturating_add(v.value_ns, tick_ns)) : 0;
    cpu_interval[i] = v.interval_ns;
}

bool IntervalTimers::expire_real(uint64_t now) {
    if (!real_expires || now < real_expires) return false;
    real_fired_at = real_expires;
    real_expires = 0;
    return true;
}

bool IntervalTimers::rearm_real(uint64_t now) {
    if (real_expires || !real_interval || !real_fired_at) return false;
    uint64_t next = real_fired_at;
    if (next <= now) {
        uint64_t periods = (now - next) / real_interval + 1;
        // Past kTimerMaxNs the timer would never fire: it stays there.
        if (periods > (kTimerMaxNs - next) / real_interval)
            next = kTimerMaxNs;
        else
            next += periods * real_interval;
    }
    real_expires = next;
    return true;
}

bool IntervalTimers::charge_cpu(int which, uint64_t ns) {
    // `which` may be the caller's (checked): clamped under speculation too.
    size_t i = array_index_nospec(size_t(which - 1), 2);
    if (!cpu_armed[i]) return false;
    cpu_left[i] -= int64_t(ns);
    if (cpu_left[i] > 0) return false;
    if (cpu_interval[i]) {
        cpu_left[i] +=
            int64_t(cpu_interval[i] < kTimerMaxNs / 2 ? cpu_interval[i] : kTimerMaxNs / 2);
    } else {
        cpu_armed[i] = false;
        cpu_left[i] = 0;
    }
    return true;
}

}  // namespace nyanos::proc
