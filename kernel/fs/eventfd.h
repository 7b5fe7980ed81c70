// eventfd: a file around a 64-bit counter (fs/event_counter.h), with
// Linux's behaviour:
//   - read needs at least 8 bytes (EINVAL) and returns the counter,
//     resetting it to 0 (EFD_SEMAPHORE: returns 1 and decrements it); it
//     blocks while the counter is 0, or fails with EAGAIN when non-blocking;
//   - write needs 8 bytes (EINVAL), adds them to the counter; 2^64 - 1 is
//     EINVAL; a sum past 2^64 - 2 blocks until a read makes room (EAGAIN
//     when non-blocking);
//   - poll: POLLIN while the counter is above 0, POLLOUT while a write of
//     1 would fit.
// The counter is guarded by one lock per eventfd (docs/locking.md);
// readers and writers block on one WaitEvent, fired at every change.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

inline constexpr uint32_t kEfdSemaphore = 1;

// A new eventfd holding `initial`; `flags` may hold kEfdSemaphore and
// O_NONBLOCK (the caller checks the rest). ENOMEM.
Result<DescriptionRef> create_eventfd(uint32_t initial, uint32_t flags);

}  // namespace nyanos::fs
