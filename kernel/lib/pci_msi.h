// Message-signalled interrupts: the MSI and MSI-X capabilities (PCI Local
// Bus 3.0, 6.8), programmed so that the device's interrupt is a memory write
// that the local APIC of one CPU takes as a fixed, edge-triggered vector.
// Portable: config space through a ConfigAccess, an MSI-X table through a
// pointer to the mapped table (uncached MMIO in the kernel, an array in the
// host tests).
#pragma once

#include <stdint.h>

#include "lib/pci_bar.h"
#include "lib/pci_config.h"
#include "nyanos/lib/result.h"

namespace nyanos::pci {

// The write the device makes to signal: `data` to `address`.
struct MsiMessage {
    uint64_t address = 0;
    uint32_t data = 0;
};

// The message for `vector` at the xAPIC whose id is `apic_id`: physical
// destination, fixed delivery, edge (Intel SDM vol. 3, 11.11). kInvalid for
// a vector below 32 (exceptions) or an id above 255 (xAPIC ids are 8 bits;
// x2APIC ids would need interrupt remapping).
Result<MsiMessage> lapic_message(uint32_t apic_id, uint8_t vector);

// Programs the MSI capability at `capability` (from find_capability) with
// one vector (Multiple Message Enable 0), unmasks it when the device has
// per-vector masking, turns MSI on and the legacy INTx pin off.
void enable_msi(ConfigAccess& access, Address address, uint8_t capability, MsiMessage message);

// Where an MSI-X table lives and how long it is.
struct MsixTable {
    uint8_t bar = 0;      // BAR slot (BIR)
    uint32_t offset = 0;  // from the BAR's base, 8-byte aligned
    uint16_t entries = 0;
    uint64_t bytes() const { return uint64_t(entries) * 16; }
};

// Reads the MSI-X capability at `capability`. kCorrupt for a BIR that names
// no BAR slot (6 or 7).
Result<MsixTable> read_msix(ConfigAccess& access, Address address, uint8_t capability);

// Checks the table lies inside `bar`, the memory BAR its BIR names (as
// probed). kCorrupt otherwise: a table outside its BAR would have the
// kernel write into another device's registers.
Result<void> check_msix_table(const MsixTable& table, const Bar& bar);

// Turns MSI-X on for entry `entry` alone: the function masked while every
// entry is masked and `entry` programmed with `message`, then unmasked,
// INTx off. `table` is the mapped table (check_msix_table first).
// kRange if `entry` is not in the table.
Result<void> enable_msix(ConfigAccess& access, Address address, uint8_t capability,
                         const MsixTable& table_info, volatile uint32_t* table, uint16_t entry,
                         MsiMessage message);

}  // namespace nyanos::pci
