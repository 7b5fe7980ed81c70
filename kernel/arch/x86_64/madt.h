// What the ACPI MADT says about interrupt routing: where the LAPIC and the
// first IOAPIC are, and how ISA IRQs map to global system interrupts.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

struct IsaIrqRoute {
    uint32_t gsi;     // global system interrupt (an IOAPIC input)
    bool active_low;  // ISA default: active high
    bool level;       // ISA default: edge triggered
};

struct MadtInfo {
    uint64_t lapic_phys = 0;
    uint64_t ioapic_phys = 0;  // 0: no IOAPIC described
    uint32_t ioapic_gsi_base = 0;
    bool has_8259 = true;  // PCAT_COMPAT
    IsaIrqRoute isa[16];   // identity, edge, active high unless overridden
};

// Finds the MADT from the RSDP at `rsdp_phys` (RSDT or XSDT), checking
// signatures and checksums. Returns false (and leaves `out` with defaults)
// if there is no RSDP or no valid MADT.
bool read_madt(uint64_t rsdp_phys, MadtInfo& out);

}  // namespace nyanos::arch
