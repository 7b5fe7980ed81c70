// signalfd: a file that reads the caller's pending signals (Linux's
// signalfd(2)), with Linux's behaviour:
//   - read needs room for one struct signalfd_siginfo (128 bytes; EINVAL)
//     and takes as many pending signals of the file's mask as fit, each
//     as rt_sigtimedwait would (thread-directed first, then the process's);
//     it blocks while none is pending (EAGAIN with O_NONBLOCK);
//   - poll: POLLIN while one of the mask's signals is pending for the
//     thread that polls;
//   - the mask can be replaced on an open signalfd (signalfd4 with its fd);
//     SIGKILL and SIGSTOP are never in it.
// The signals belong to whoever reads, not to whoever created the file, as
// on Linux. Pollers wake at every signal sent (proc/signal_delivery.h).
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// A new signalfd for `mask`; `flags` may hold O_NONBLOCK. ENOMEM.
Result<DescriptionRef> create_signalfd(uint64_t mask, uint32_t flags);
// A new mask for an open signalfd: EINVAL for any other file.
Result<void> signalfd_set_mask(FileDescription& file, uint64_t mask);

}  // namespace nyanos::fs
