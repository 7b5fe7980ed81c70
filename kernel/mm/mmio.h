// Reaching physical memory that the boot HHDM may not cover: device
// registers (the LAPIC and IOAPIC, ACPI's memory-space registers, PCI's
// ECAM window and BARs) and ACPI tables in firmware areas. They are mapped at their HHDM address, through
// the kernel's page tables like any other kernel mapping (kernel/mm/vmm.h).
#pragma once

#include <stdint.h>

namespace nyanos::mm {

// Makes [phys, phys + size) readable and writable at phys_to_virt(phys) in
// the kernel half (every address space sees it) and returns that address.
// Pages already mapped there are left as they are; missing ones are mapped
// 4 KiB at a time, global, not executable, and uncached when `device`
// (device registers must not be cached; firmware tables may be). Tables come
// from the frame allocator, so call after init_vmm(); not from interrupt
// handlers. Returns nullptr if the range is empty, wraps or lies beyond the
// HHDM area, or a table cannot be allocated; pages mapped before such a
// failure stay mapped, which is harmless (the HHDM address of a frame never
// means anything else).
void* map_physical(uint64_t phys, uint64_t size, bool device);

}  // namespace nyanos::mm
