// Reading ACPI's MADT ("APIC"): where the local APIC and the first IOAPIC
// are, how ISA IRQs map to global system interrupts, and which processors
// the firmware lists. Portable (no mappings): the caller hands over a table
// already checked by acpi::check_table; every entry is bounds-checked
// against its length, so a malformed table yields what could be read, never
// a read past its end.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::acpi {

// Processors beyond this many are counted in MadtInfo::cpus_skipped and
// otherwise ignored.
inline constexpr unsigned kMadtMaxCpus = 64;

struct IsaIrqRoute {
    uint32_t gsi;     // global system interrupt (an IOAPIC input)
    bool active_low;  // ISA default: active high
    bool level;       // ISA default: edge triggered
};

// One processor of the MADT: a Processor Local APIC entry (type 0) or a
// Processor Local x2APIC entry (type 9).
struct MadtCpu {
    uint32_t apic_id;
    // Enabled: present now and may be started. Otherwise the firmware only
    // said "online capable": the processor may be hot-added later, and
    // starting it now is wrong (ACPI 6.5, 5.2.12.2).
    bool enabled;
};

struct MadtInfo {
    uint64_t lapic_phys = 0;
    uint64_t ioapic_phys = 0;  // 0: no IOAPIC described
    uint32_t ioapic_gsi_base = 0;
    bool has_8259 = true;  // PCAT_COMPAT
    IsaIrqRoute isa[16];   // identity, edge, active high unless overridden
    // Processors whose entry is enabled or online capable, in table order,
    // each APIC id once (firmware may list a processor as both type 0 and
    // type 9; the first entry wins). Entries with neither flag are left out.
    MadtCpu cpus[kMadtMaxCpus] = {};
    unsigned cpu_count = 0;
    unsigned cpus_skipped = 0;  // listed processors that did not fit in `cpus`

    constexpr MadtInfo() {
        for (unsigned irq = 0; irq < 16; ++irq) isa[irq] = IsaIrqRoute{irq, false, false};
    }
};

// Fills `out` from the MADT in `table` (`length` bytes, as check_table
// returned). kCorrupt if the table is too short to hold the MADT's fixed
// fields; `out` is then left with its defaults. An entry shorter than its
// type needs is skipped; an entry that claims to run past the end (or a
// length below 2) ends the walk, keeping what was read before it.
Result<void> parse_madt(const uint8_t* table, uint32_t length, MadtInfo& out);

}  // namespace nyanos::acpi
