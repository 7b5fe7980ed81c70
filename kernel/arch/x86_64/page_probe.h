// Whether an address would fault: a walk of the live page tables (CR3),
// read through the HHDM. It never maps anything, so it is safe anywhere,
// a fault report included.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

// True if `va` is mapped in the current address space (a read would not
// fault); false for a non-canonical address.
bool is_mapped(uint64_t va);

}  // namespace nyanos::arch
