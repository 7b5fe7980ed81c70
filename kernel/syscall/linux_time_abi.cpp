#include "syscall/linux_time_abi.h"

namespace nyanos::sys::linux_abi {

namespace {

constexpr int32_t kCpuClockPerThread = 4;  // CPUCLOCK_PERTHREAD_MASK
constexpr int32_t kCpuClockMeasure = 3;    // CPUCLOCK_CLOCK_MASK
constexpr int32_t kClockFd = 3;            // CLOCKFD: a posix-clock device

}  // namespace

Result<Clock> decode_clock(int32_t clockid) {
    Clock c;
    if (clockid < 0) {
        if ((clockid & (kCpuClockPerThread | kCpuClockMeasure)) == kClockFd) return Error::kInvalid;
        int32_t measure = clockid & kCpuClockMeasure;
        if (measure == 3) return Error::kInvalid;  // CPUCLOCK_MAX
        c.kind = ClockKind::kCpu;
        c.pid = ~(clockid >> 3);  // an arithmetic shift, as Linux's CPUCLOCK_PID
        c.per_thread = clockid & kCpuClockPerThread;
        c.measure = CpuMeasure(measure);
        return c;
    }
    switch (clockid) {
        case kClockRealtime:
            c.kind = ClockKind::kRealtime;
            return c;
        case kClockMonotonic:
            c.kind = ClockKind::kMonotonic;
            return c;
        case kClockProcessCputimeId:
        case kClockThreadCputimeId:
            c.kind = ClockKind::kCpu;
            c.per_thread = clockid == kClockThreadCputimeId;
            return c;
        case kClockMonotonicRaw:
            c.kind = ClockKind::kMonotonicRaw;
            return c;
        case kClockRealtimeCoarse:
            c.kind = ClockKind::kRealtimeCoarse;
            return c;
        case kClockMonotonicCoarse:
            c.kind = ClockKind::kMonotonicCoarse;
            return c;
        case kClockBoottime:
            c.kind = ClockKind::kBoottime;
            return c;
        case kClockRealtimeAlarm:
        case kClockBoottimeAlarm:
            c.kind = ClockKind::kAlarm;
            return c;
        case kClockTai:
            c.kind = ClockKind::kTai;
            return c;
        default:
            return Error::kInvalid;
    }
}

Timespec resolution(const Clock& clock, uint64_t tick_ns) {
    switch (clock.kind) {
        case ClockKind::kRealtimeCoarse:
        case ClockKind::kMonotonicCoarse:
        case ClockKind::kCpu:
            return timespec_from_ns(tick_ns);
        default:
            return Timespec{0, 1};
    }
}

uint64_t to_ns_saturating(const Timespec& t) {
    constexpr uint64_t kMax = ~0ull;
    uint64_t seconds = uint64_t(t.tv_sec);
    if (seconds > (kMax - uint64_t(t.tv_nsec)) / uint64_t(kNsPerSecond)) return kMax;
    return seconds * uint64_t(kNsPerSecond) + uint64_t(t.tv_nsec);
}

Timespec timespec_from_ns(uint64_t ns) {
    return Timespec{int64_t(ns / kNsPerSecond), int64_t(ns % kNsPerSecond)};
}

Timeval timeval_from_ns(uint64_t ns) {
    return Timeval{int64_t(ns / kNsPerSecond), int64_t(ns % kNsPerSecond / 1000)};
}

}  // namespace nyanos::sys::linux_abi
