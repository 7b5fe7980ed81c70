// flock(2) on an open file description (fs/flock.kernel.cpp).
#pragma once

#include "fs/file_description.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB: Linux's flock. EINVAL for
// any other operation, EWOULDBLOCK (EAGAIN) with LOCK_NB when another
// description holds a conflicting lock, a restart or EINTR when a signal
// ends the wait, ENOMEM.
Result<void> flock(FileDescription& d, int operation);

// What names `d`'s file for advisory locks (flock's and fcntl's): the
// same for every description of a root-tree file; the description itself
// for anything else (a pipe, a device).
const void* advisory_lock_key(const FileDescription& d);

}  // namespace nyanos::fs
