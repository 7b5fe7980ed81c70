// Figures the kernel reports for benchmarks (syscall SYS_SYSTEM_INFO): the
// TSC rate, the TSC at kernel entry (boot time is measured from there), and
// what one process costs the kernel.
#pragma once

#include <stdint.h>

#include "nyanos/abi/syscall.h"

namespace nyanos::proc {

// kernel_main's first act: the TSC when the loader handed over.
void record_kernel_entry_tsc(uint64_t tsc);

// Fills `out` for the current task (zeroes for the idle task's per-process
// fields).
void fill_system_info(nyan_system_info& out);

}  // namespace nyanos::proc
