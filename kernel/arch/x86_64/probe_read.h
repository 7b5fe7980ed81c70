// A kernel load that may fault on purpose (probe_read.S): it answers "was
// this address readable at the moment of the load" without a kernel panic.
// For tests that race the removal of a kernel mapping; not for user memory
// (no SMAP window is opened).
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupts.h"

extern "C" {
uint64_t arch_probe_read_u64(const void* address, uint64_t* out);
extern char arch_probe_read_begin[], arch_probe_read_end[], arch_probe_read_fault[];
}

namespace nyanos::arch {

// Registers the probe's range as a fault fixup (interrupts.h). Once per
// boot, before the first probe; false when the fixup table is full.
inline bool register_probe_read_fixup() {
    return register_fault_fixup(reinterpret_cast<uint64_t>(arch_probe_read_begin),
                                reinterpret_cast<uint64_t>(arch_probe_read_end),
                                reinterpret_cast<uint64_t>(arch_probe_read_fault));
}

// Reads the 8 bytes at `va` into `value`; false (value untouched) if the
// load faulted. Only with the fixup registered: else a fault panics.
inline bool probe_read_u64(uint64_t va, uint64_t& value) {
    return arch_probe_read_u64(reinterpret_cast<const void*>(va), &value) == 0;
}

}  // namespace nyanos::arch
