// CLOCK_REALTIME: the monotonic clock (arch::monotonic_ns, from boot) plus
// an offset, which the RTC sets at boot and clock_settime/settimeofday
// change. The realtime clock never reads before the Unix epoch and never
// before the time since boot (Linux refuses to set it there), so the offset
// is never negative. Portable: callers pass the monotonic time.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos {

class WallClock {
public:
    uint64_t offset_ns() const { return __atomic_load_n(&m_offset_ns, __ATOMIC_RELAXED); }

    // The realtime clock at monotonic time `monotonic_ns`.
    uint64_t realtime_ns(uint64_t monotonic_ns) const { return monotonic_ns + offset_ns(); }

    // Makes the realtime clock read `realtime_ns` at monotonic time
    // `monotonic_ns`. kInvalid if realtime_ns < monotonic_ns (before the
    // time since boot: do_settimeofday64's rule).
    Result<void> set(uint64_t realtime_ns, uint64_t monotonic_ns);

    // The monotonic time at which the realtime clock reads `realtime_ns`
    // with the offset as it is (0 if that was before boot).
    uint64_t monotonic_at(uint64_t realtime_ns) const {
        uint64_t offset = offset_ns();
        return realtime_ns > offset ? realtime_ns - offset : 0;
    }

private:
    uint64_t m_offset_ns = 0;
};

// The system's realtime clock.
WallClock& wall_clock();

}  // namespace nyanos
