// The capability list of a function's configuration space (PCI Local Bus
// 3.0, 6.7): a chain of (id, next) pairs starting at the pointer at 0x34,
// present when the status register says so. Portable, over a ConfigAccess.
//
// The chain is data from the device: a pointer into the standard header,
// one that does not fit a capability's two bytes, or a cycle ends the walk
// with kCorrupt, and the walk visits at most one entry per dword of the
// 192 bytes after the header, so it ends whatever the device says.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/pci_config.h"
#include "nyanos/lib/result.h"

namespace nyanos::pci {

inline constexpr uint8_t kCapabilityPowerManagement = 0x01;
inline constexpr uint8_t kCapabilityMsi = 0x05;
inline constexpr uint8_t kCapabilityVendor = 0x09;
inline constexpr uint8_t kCapabilityPciExpress = 0x10;
inline constexpr uint8_t kCapabilityMsix = 0x11;

// Capabilities start after the 64-byte header, dword aligned.
inline constexpr uint8_t kFirstCapabilityOffset = 0x40;
inline constexpr size_t kMaxCapabilities = (kLegacyConfigSize - kFirstCapabilityOffset) / 4;

struct Capability {
    uint8_t id = 0;
    uint8_t offset = 0;  // in configuration space: the id byte
};

// Writes up to `capacity` capabilities of the function at `address` to
// `out`, in list order, and returns how many the list has (more than
// `capacity` means some were left out). A function without the status
// bit has none. kCorrupt if the chain is malformed (see the file comment);
// what was written before the bad link stays in `out`.
Result<size_t> list_capabilities(ConfigAccess& access, Address address, Capability* out,
                                 size_t capacity);

// The offset of the first capability `id`. kNoEntry if the list has none;
// kCorrupt if the chain breaks before one is found.
Result<uint8_t> find_capability(ConfigAccess& access, Address address, uint8_t id);

}  // namespace nyanos::pci
