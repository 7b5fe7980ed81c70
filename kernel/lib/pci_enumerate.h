// Finding every PCI function behind a host bridge: scan a bus's 32 slots,
// a slot's other functions when function 0 says it has several, and the
// bus behind each PCI-to-PCI bridge (its secondary bus number, as the
// firmware set it). Portable, over a ConfigAccess (lib/pci_config.h).
//
// Nothing read is trusted: a bridge naming a bus already scanned, a bus
// outside the range the caller allows or a bus number below its own (the
// signs of a loop, or of a bridge the firmware never numbered) is counted
// and skipped, and each bus is scanned at most once, so the walk ends after
// at most 256 buses whatever the devices say.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/pci_config.h"
#include "nyanos/lib/result.h"

namespace nyanos::pci {

// What the header says of one function.
struct Function {
    Address address;
    uint16_t vendor = 0;
    uint16_t device = 0;
    uint8_t class_code = 0;
    uint8_t subclass = 0;
    uint8_t prog_if = 0;
    uint8_t revision = 0;
    uint8_t header_type = 0;      // without the multi-function bit
    bool multi_function = false;  // function 0 of a slot: functions 1..7 may exist
    uint8_t interrupt_line = 0;
    uint8_t interrupt_pin = 0;  // 0: none, 1..4: INTA#..INTD#
    // A PCI-to-PCI bridge's bus numbers (0 for anything else).
    uint8_t secondary_bus = 0;
    uint8_t subordinate_bus = 0;

    // Class, subclass and programming interface as one number (0x0c0330).
    uint32_t class_triplet() const {
        return uint32_t(class_code) << 16 | uint32_t(subclass) << 8 | prog_if;
    }
    bool is_bridge() const { return header_type == kHeaderBridge; }
};

// The bus numbers the walk may visit: ECAM reaches only the MCFG's range.
struct BusRange {
    uint8_t first = 0;
    uint8_t last = 255;
};

struct EnumerationStats {
    size_t functions = 0;  // functions found (kept or not)
    size_t kept = 0;       // those written to the caller's array
    size_t buses = 0;      // buses scanned
    // Bridges whose secondary bus was skipped: already scanned, not above
    // the bridge's own bus, outside the range, or unreachable.
    size_t bridges_skipped = 0;
};

// The header of the function at `address`; kNoDevice if nothing answers
// there (a vendor/device word of all ones or all zeros, in either half, as
// Linux treats it: broken boards answer empty slots with either).
Result<Function> read_function(ConfigAccess& access, Address address);

// Walks from range.first and writes up to `capacity` functions to `out`,
// in the order found (a bridge's bus right after the bridge, as Linux
// numbers them depth first). Functions beyond `capacity` are counted, not
// kept. kInvalid if range.first > range.last.
Result<EnumerationStats> enumerate(ConfigAccess& access, BusRange range, Function* out,
                                   size_t capacity);

}  // namespace nyanos::pci
