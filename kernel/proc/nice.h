// Nice values and who may change them: Linux 6.1's setpriority and
// getpriority rules (kernel/sys.c). Portable and host-tested; the process
// table applies them (proc/priority.kernel.cpp).
#pragma once

#include <stdint.h>

#include "lib/credentials.h"
#include "nyanos/lib/result.h"

namespace nyanos::proc {

inline constexpr int kMinNice = -20, kMaxNice = 19;

// setpriority's `which` (PRIO_PROCESS, PRIO_PGRP, PRIO_USER).
enum class PriorityTarget : int { kProcess = 0, kGroup = 1, kUser = 2 };

// A requested nice value, clamped to [-20, 19] as Linux clamps it.
constexpr int clamp_nice(int64_t requested) {
    return requested < kMinNice ? kMinNice : requested > kMaxNice ? kMaxNice : int(requested);
}

// getpriority's result for a nice value: 20 - nice, so 1..40 (never
// negative, which a system call could not tell from an error).
constexpr int nice_to_priority(int nice) {
    return 20 - nice;
}

// Whether `caller` may set `target`'s nice from `current` to `wanted`:
// EPERM unless the caller's effective uid is the target's real or
// effective uid, or the caller is privileged (CAP_SYS_NICE); then EACCES
// for a lower value (a higher priority) unless RLIMIT_NICE allows it
// (`nice_limit`, counted as 20 - nice) or the caller is privileged.
Result<void> check_set_nice(const creds::Credentials& caller, const creds::Credentials& target,
                            int current, int wanted, uint64_t nice_limit);

}  // namespace nyanos::proc
