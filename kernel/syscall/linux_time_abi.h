// The Linux x86_64 time ABI: the structures the time calls read and write
// (<linux/time_types.h>, <linux/time.h>, <linux/times.h>,
// <linux/resource.h>), clock IDs, and the rules Linux 6.1 applies to them
// (kernel/time/posix-timers.c, posix-cpu-timers.c, time.c). Portable and
// host-tested; the handlers are in linux_time.kernel.cpp.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::sys::linux_abi {

struct Timespec {  // struct __kernel_timespec
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct Timeval {  // struct __kernel_old_timeval
    int64_t tv_sec;
    int64_t tv_usec;
};
struct Timezone {
    int32_t tz_minuteswest;
    int32_t tz_dsttime;
};
struct Tms {  // clock_t is long
    int64_t tms_utime;
    int64_t tms_stime;
    int64_t tms_cutime;
    int64_t tms_cstime;
};
struct Rusage {
    Timeval ru_utime;
    Timeval ru_stime;
    int64_t ru_maxrss;  // KiB
    int64_t ru_ixrss;
    int64_t ru_idrss;
    int64_t ru_isrss;
    int64_t ru_minflt;
    int64_t ru_majflt;
    int64_t ru_nswap;
    int64_t ru_inblock;
    int64_t ru_oublock;
    int64_t ru_msgsnd;
    int64_t ru_msgrcv;
    int64_t ru_nsignals;
    int64_t ru_nvcsw;
    int64_t ru_nivcsw;
};
static_assert(sizeof(Timespec) == 16 && sizeof(Timeval) == 16 && sizeof(Timezone) == 8);
static_assert(sizeof(Tms) == 32 && sizeof(Rusage) == 144);

inline constexpr int32_t kClockRealtime = 0;
inline constexpr int32_t kClockMonotonic = 1;
inline constexpr int32_t kClockProcessCputimeId = 2;
inline constexpr int32_t kClockThreadCputimeId = 3;
inline constexpr int32_t kClockMonotonicRaw = 4;
inline constexpr int32_t kClockRealtimeCoarse = 5;
inline constexpr int32_t kClockMonotonicCoarse = 6;
inline constexpr int32_t kClockBoottime = 7;
inline constexpr int32_t kClockRealtimeAlarm = 8;
inline constexpr int32_t kClockBoottimeAlarm = 9;
inline constexpr int32_t kClockTai = 11;

inline constexpr int32_t kTimerAbstime = 1;

inline constexpr int32_t kRusageSelf = 0;
inline constexpr int32_t kRusageChildren = -1;
inline constexpr int32_t kRusageThread = 1;

inline constexpr int64_t kUserHz = 100;  // clock_t ticks: times(), sysconf(_SC_CLK_TCK)
inline constexpr int64_t kNsPerSecond = 1'000'000'000;

// The clocks NyanOS keeps. REALTIME runs at the monotonic rate from the RTC's
// boot value and can be set; MONOTONIC_RAW and BOOTTIME equal MONOTONIC
// (no frequency correction, no suspend); TAI equals REALTIME (Linux's TAI
// offset is 0 until adjtimex sets it); the COARSE clocks are their clock
// rounded down to the tick. The alarm clocks exist but need an RTC alarm
// device, which NyanOS does not drive: Linux without one answers EINVAL
// (EOPNOTSUPP for a sleep).
enum class ClockKind : uint8_t {
    kRealtime,
    kMonotonic,
    kMonotonicRaw,
    kRealtimeCoarse,
    kMonotonicCoarse,
    kBoottime,
    kTai,
    kAlarm,  // REALTIME_ALARM, BOOTTIME_ALARM
    kCpu,    // PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID, or an encoded one
};

// A CPU-time clock's measure (CPUCLOCK_WHICH).
enum class CpuMeasure : uint8_t {
    kProf = 0,   // user + system
    kVirt = 1,   // user
    kSched = 2,  // all the time it ran (here: user + system, by ticks)
};

struct Clock {
    ClockKind kind = ClockKind::kRealtime;
    // kCpu: whose time, encoded as Linux's clock_getcpuclockid and
    // pthread_getcpuclockid do ((~pid << 3) | per_thread << 2 | measure);
    // pid 0 is the caller (PROCESS_ and THREAD_CPUTIME_ID).
    int32_t pid = 0;
    bool per_thread = false;
    CpuMeasure measure = CpuMeasure::kSched;
};

// What `clockid` names (clockid_to_kclock and the CPU-clock encoding).
// kInvalid for an unused ID, 10 and 12 up, a file-descriptor clock
// (negative with low bits 3: NyanOS has no posix-clock devices) and a CPU
// clock with measure 3.
Result<Clock> decode_clock(int32_t clockid);

// clock_getres: 1 ns for the clocks read from the TSC; the tick for the
// COARSE clocks and for CPU time (counted in ticks; Linux's SCHED clock
// says 1 ns).
Timespec resolution(const Clock& clock, uint64_t tick_ns);

// timespec64_valid: tv_sec >= 0 and tv_nsec in [0, 1e9).
constexpr bool valid(const Timespec& t) {
    return t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < kNsPerSecond;
}

// The latest second the realtime clock may be set to (TIME_SETTOD_SEC_MAX:
// 30 years of uptime before 2^63 ns).
inline constexpr int64_t kSettodSecondsMax = 9'223'372'036 - 946'080'000;

// timespec64_valid_settod: valid() and below kSettodSecondsMax.
constexpr bool valid_for_settime(const Timespec& t) {
    return valid(t) && t.tv_sec < kSettodSecondsMax;
}

// Nanoseconds in a valid() timespec, saturated at ~0 (a sleep for longer
// than 584 years is forever).
uint64_t to_ns_saturating(const Timespec& t);

// ns >= 0.
Timespec timespec_from_ns(uint64_t ns);
Timeval timeval_from_ns(uint64_t ns);
// clock_t, in kUserHz ticks.
inline int64_t clock_t_from_ns(uint64_t ns) {
    return int64_t(ns / (kNsPerSecond / kUserHz));
}

}  // namespace nyanos::sys::linux_abi
