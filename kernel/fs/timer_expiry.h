// The arithmetic of a timerfd's expirations (Linux's hrtimer_forward as
// timerfd uses it), portable and host-tested; the file is fs/timerfd.h.
// Times are nanoseconds on one clock; a timer is due at `due` and repeats
// every `interval` (0: once).
#pragma once

#include <stdint.h>

namespace nyanos::fs {

// The largest time kept (Linux's KTIME_MAX); later deadlines saturate.
inline constexpr uint64_t kTimeMaxNs = (1ull << 63) - 1;

struct TimerExpiry {
    uint64_t count = 0;  // expirations from `due` up to `now`, inclusive
    uint64_t next = 0;   // the next deadline after `now` (0: none, a one-shot)
};

// The expirations of a timer due at `due` seen at `now` (none before it).
TimerExpiry timer_expire(uint64_t due, uint64_t interval, uint64_t now);

// The time left to `due` at `now` (0 once it is due), as timerfd_gettime
// reports it.
inline uint64_t timer_remaining(uint64_t due, uint64_t now) {
    return due > now ? due - now : 0;
}

// A relative setting's deadline: `now + value`, saturating.
inline uint64_t timer_deadline(uint64_t now, uint64_t value) {
    return value > kTimeMaxNs - now ? kTimeMaxNs : now + value;
}

}  // namespace nyanos::fs
