// The Linux personality's time calls (linux_time.kernel.cpp): clocks,
// sleeps and CPU-time accounting. The table (linux_syscalls.kernel.cpp)
// maps their numbers here.
//
// Clocks (linux_time_abi.h): REALTIME is the RTC's boot value plus the
// monotonic clock (dev/rtc.h), settable; MONOTONIC, MONOTONIC_RAW and
// BOOTTIME read the TSC with 1 ns resolution; the COARSE ones the same
// rounded down to the 1 ms tick; CPU-time clocks count 1 ms ticks.
//
// Sleeps (nanosleep, clock_nanosleep) never end early: they end at the
// first scheduler tick (1 ms) at or after the requested time, so a sleep is
// rounded up to the next millisecond tick (Linux's hrtimers are finer). A
// sleep ends with EINTR when its wait is interrupted, writing the time left
// to `rem` for a relative sleep. An absolute REALTIME sleep follows
// clock_settime: setting the clock wakes it to compute its deadline again.
#pragma once

#include <stdint.h>

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

int64_t linux_nanosleep(SyscallFrame& f);        // 35
int64_t linux_getitimer(SyscallFrame& f);        // 36 (linux_itimer.kernel.cpp)
int64_t linux_alarm(SyscallFrame& f);            // 37 (linux_itimer.kernel.cpp)
int64_t linux_setitimer(SyscallFrame& f);        // 38 (linux_itimer.kernel.cpp)
int64_t linux_gettimeofday(SyscallFrame& f);     // 96
int64_t linux_getrusage(SyscallFrame& f);        // 98
int64_t linux_times(SyscallFrame& f);            // 100
int64_t linux_settimeofday(SyscallFrame& f);     // 164
int64_t linux_time(SyscallFrame& f);             // 201
int64_t linux_clock_settime(SyscallFrame& f);    // 227
int64_t linux_clock_gettime(SyscallFrame& f);    // 228
int64_t linux_clock_getres(SyscallFrame& f);     // 229
int64_t linux_clock_nanosleep(SyscallFrame& f);  // 230
// POSIX timers (linux_posix_timer.kernel.cpp).
int64_t linux_timer_create(SyscallFrame& f);      // 222
int64_t linux_timer_settime(SyscallFrame& f);     // 223
int64_t linux_timer_gettime(SyscallFrame& f);     // 224
int64_t linux_timer_getoverrun(SyscallFrame& f);  // 225
int64_t linux_timer_delete(SyscallFrame& f);      // 226

}  // namespace nyanos::sys
