// timerfd: a file that counts a timer's expirations (Linux's
// timerfd_create(2)), with Linux's behaviour:
//   - the clocks are CLOCK_REALTIME and CLOCK_MONOTONIC (CLOCK_BOOTTIME
//     and the two _ALARM clocks are accepted as the same two: NyanOS does
//     not suspend);
//   - settime arms (a relative or, with TFD_TIMER_ABSTIME, an absolute
//     expiry; a zero value disarms), with an optional period; it clears
//     the expirations not yet read and returns the old setting;
//   - read needs 8 bytes (EINVAL), returns the expirations since the last
//     read and resets them; blocks while there are none (EAGAIN with
//     O_NONBLOCK);
//   - poll: POLLIN while there are expirations to read.
// An absolute CLOCK_REALTIME expiry is turned into monotonic time when it
// is set (a later clock change does not move it; TFD_TIMER_CANCEL_ON_SET is
// accepted and never cancels).
//
// Expiry runs from the timer tick (proc/timed_event.h); the state is
// guarded by the scheduler lock, which the tick holds (docs/locking.md).
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

inline constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockBoottime = 7,
                     kClockRealtimeAlarm = 8, kClockBoottimeAlarm = 9;
inline constexpr uint32_t kTfdTimerAbstime = 1, kTfdTimerCancelOnSet = 2;

// An itimerspec in nanoseconds: the time to the next expiry (0: disarmed)
// and the period (0: once).
struct TimerSetting {
    uint64_t value_ns = 0;
    uint64_t interval_ns = 0;
};

// A new timerfd on `clock` (one of the clocks above; the caller checks),
// disarmed; `flags` may hold O_NONBLOCK. ENOMEM.
Result<DescriptionRef> create_timerfd(int clock, uint32_t flags);

// timerfd_settime on `file`: EINVAL when it is not a timerfd. `setting`'s
// value is an absolute time on the timer's clock with kTfdTimerAbstime.
// `old` receives the previous setting as timerfd_gettime reports it.
Result<void> timerfd_set(FileDescription& file, uint32_t flags, const TimerSetting& setting,
                         TimerSetting& old);
// timerfd_gettime: the time left and the period. EINVAL for another file.
Result<TimerSetting> timerfd_get(FileDescription& file);

}  // namespace nyanos::fs
