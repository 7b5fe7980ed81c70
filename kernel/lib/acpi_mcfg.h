// Reading ACPI's MCFG: where each PCI segment's ECAM window (enhanced
// configuration access, 4 KiB of configuration space per function, memory
// mapped) is and which buses it covers. Portable: the caller hands over a
// table already checked by acpi::check_table; every entry is bounds-checked
// against its length.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::acpi {

// Segments beyond this many are counted in McfgInfo::skipped.
inline constexpr unsigned kMcfgMaxSegments = 4;

struct EcamWindow {
    uint64_t base = 0;  // the address of bus 0's window, even when start_bus > 0
    uint16_t segment = 0;
    uint8_t start_bus = 0;
    uint8_t end_bus = 0;
    // The bytes from `base` to the end of end_bus's window.
    uint64_t size() const { return (uint64_t(end_bus) + 1) << 20; }
};

struct McfgInfo {
    EcamWindow windows[kMcfgMaxSegments] = {};
    unsigned count = 0;
    unsigned skipped = 0;  // usable entries that did not fit, and unusable ones
};

// Fills `out` from the MCFG in `table` (`length` bytes). An entry with a
// zero base, end_bus < start_bus, or a window that wraps the address space
// is skipped (counted). kCorrupt if the table cannot hold its fixed part;
// a trailing partial entry is ignored.
Result<void> parse_mcfg(const uint8_t* table, uint32_t length, McfgInfo& out);

// The window for `segment` that covers bus 0 (the one enumeration starts
// from), else the first for `segment`; kNoEntry if there is none.
Result<EcamWindow> ecam_window_for(const McfgInfo& info, uint16_t segment);

}  // namespace nyanos::acpi
