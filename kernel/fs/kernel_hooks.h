// What portable file code needs from the kernel around it. The kernel
// defines these in fs/kernel_hooks.kernel.cpp; the host tests in test/host.
#pragma once

namespace nyanos::fs {

// Between the chunks of a long copy (a read of /dev/zero, of a large
// file): yields if this thread's quantum has run out. True if a kill is
// pending: the copy stops where it is and returns what it has done (EINTR
// if nothing), and the kill takes effect on the way out of the system
// call, once every reference the call holds has been dropped.
bool io_checkpoint();

}  // namespace nyanos::fs
