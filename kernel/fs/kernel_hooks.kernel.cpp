#include "fs/kernel_hooks.h"

#include "proc/scheduler.h"

namespace nyanos::fs {

bool io_checkpoint() {
    proc::yield_if_needed();
    return proc::interrupt_pending_here();
}

}  // namespace nyanos::fs
