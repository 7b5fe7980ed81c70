#include "lib/wall_clock.h"

namespace nyanos {

Result<void> WallClock::set(uint64_t realtime_ns, uint64_t monotonic_ns) {
    if (realtime_ns < monotonic_ns) return Error::kInvalid;
    __atomic_store_n(&m_offset_ns, realtime_ns - monotonic_ns, __ATOMIC_RELAXED);
    return {};
}

WallClock& wall_clock() {
    static constinit WallClock clock;
    return clock;
}

}  // namespace nyanos
