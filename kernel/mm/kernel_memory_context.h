// The kernel's MemoryContext for AddressSpaces: frames from the PMM, the
// HHDM, invlpg, the kernel PML4 and the live CR3.
#pragma once

#include "mm/address_space.h"

namespace nyanos::mm {

MemoryContext& kernel_memory_context();

}  // namespace nyanos::mm
