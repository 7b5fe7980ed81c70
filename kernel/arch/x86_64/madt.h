// What the ACPI MADT says about interrupt routing and processors: where the
// LAPIC and the first IOAPIC are, how ISA IRQs map to global system
// interrupts, and the APIC ids of the CPUs. The parsing is portable and
// host-tested (lib/acpi_madt.h); this is the kernel's way to the table.
#pragma once

#include <stdint.h>

#include "lib/acpi_madt.h"

namespace nyanos::arch {

using IsaIrqRoute = acpi::IsaIrqRoute;
using MadtCpu = acpi::MadtCpu;
using MadtInfo = acpi::MadtInfo;

// Finds the MADT from the RSDP at `rsdp_phys` (RSDT or XSDT), checking
// signatures and checksums, and parses it. Returns false (and leaves `out`
// with defaults: no IOAPIC, identity ISA routes, no CPUs) if there is no
// RSDP or no valid MADT. Initialisation only (it may map the tables).
bool read_madt(uint64_t rsdp_phys, MadtInfo& out);

}  // namespace nyanos::arch
