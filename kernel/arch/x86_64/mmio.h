// Reaching physical memory that the boot HHDM may not cover (the LAPIC and
// IOAPIC registers, ACPI tables in firmware areas).
#pragma once

#include <stdint.h>

namespace nyanos::arch {

// Makes [phys, phys + size) readable and writable at phys_to_virt(phys) in
// the kernel half and returns that address. Pages already mapped there are
// left as they are; missing ones are mapped 4 KiB at a time (uncached when
// `device`), with tables from a small pool in the kernel image, so this does
// not need the frame allocator. Call during initialisation only (one CPU,
// interrupts off). Returns nullptr if the range is empty or wraps, or the
// pool is exhausted; pages mapped before the failure stay mapped, which is
// harmless (the HHDM address of a frame never means anything else).
void* map_physical(uint64_t phys, uint64_t size, bool device);

// True if `va` is mapped in the current address space (a read would not
// fault). Walks the live tables through the HHDM; for the fault report.
bool is_mapped(uint64_t va);

}  // namespace nyanos::arch
