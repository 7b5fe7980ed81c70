// PCI configuration space as the portable PCI code sees it: a function's
// address, the header's register offsets and bits, and ConfigAccess, the
// abstract accessor that the kernel implements twice (ECAM memory and the
// legacy 0xCF8/0xCFC ports, dev/pci_access.h) and the host tests fake. The
// walkers built on it (lib/pci_enumerate.h, lib/pci_bar.h,
// lib/pci_capabilities.h) treat every value read as untrusted.
#pragma once

#include <stdint.h>

namespace nyanos::pci {

// One function: bus, device (below 32) and function (below 8).
struct Address {
    uint8_t bus = 0;
    uint8_t device = 0;
    uint8_t function = 0;

    bool operator==(const Address&) const = default;
};

inline constexpr unsigned kDevicesPerBus = 32;
inline constexpr unsigned kFunctionsPerDevice = 8;
// The configuration space PCI defines; ECAM extends it to 4 KiB (PCIe).
inline constexpr uint16_t kLegacyConfigSize = 256;
inline constexpr uint16_t kExtendedConfigSize = 4096;

// Header registers (PCI Local Bus 3.0, 6.1; types 0 and 1 share the first
// 16 bytes and the capability pointer).
inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kDeviceId = 0x02;
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kRevision = 0x08;
inline constexpr uint16_t kProgIf = 0x09;
inline constexpr uint16_t kSubclass = 0x0a;
inline constexpr uint16_t kClassCode = 0x0b;
inline constexpr uint16_t kHeaderType = 0x0e;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kCapabilityPointer = 0x34;
inline constexpr uint16_t kInterruptLine = 0x3c;
inline constexpr uint16_t kInterruptPin = 0x3d;
// Type 1 (PCI-to-PCI bridge) only.
inline constexpr uint16_t kPrimaryBus = 0x18;
inline constexpr uint16_t kSecondaryBus = 0x19;
inline constexpr uint16_t kSubordinateBus = 0x1a;

inline constexpr uint8_t kHeaderTypeMask = 0x7f;
inline constexpr uint8_t kHeaderMultiFunction = 0x80;
inline constexpr uint8_t kHeaderGeneral = 0;
inline constexpr uint8_t kHeaderBridge = 1;
inline constexpr uint8_t kHeaderCardBus = 2;
// How many BAR slots each header type has (a 64-bit BAR takes two).
inline constexpr unsigned kGeneralBars = 6;
inline constexpr unsigned kBridgeBars = 2;

inline constexpr uint16_t kCommandIo = 1u << 0;
inline constexpr uint16_t kCommandMemory = 1u << 1;
inline constexpr uint16_t kCommandBusMaster = 1u << 2;
inline constexpr uint16_t kCommandInterruptDisable = 1u << 10;
inline constexpr uint16_t kStatusCapabilities = 1u << 4;

// Reading and writing one function's configuration space. `size` is 1, 2
// or 4 and `offset` a multiple of it, below kExtendedConfigSize (below
// kLegacyConfigSize unless the accessor is ECAM). An absent or unreachable
// function reads as all ones, which is what the hardware answers for an
// empty slot, so "nothing there" needs no second error path; writes to it
// are dropped. Implementations never fail otherwise: every value is data
// for the caller to check.
class ConfigAccess {
public:
    virtual uint32_t read(Address address, uint16_t offset, unsigned size) = 0;
    virtual void write(Address address, uint16_t offset, unsigned size, uint32_t value) = 0;
    // Makes `bus` reachable before the walk touches it (ECAM maps the bus's
    // window here); false: the bus cannot be reached and is skipped. Not
    // from interrupt handlers.
    virtual bool reach_bus(uint8_t) { return true; }

    uint8_t read8(Address a, uint16_t offset) { return uint8_t(read(a, offset, 1)); }
    uint16_t read16(Address a, uint16_t offset) { return uint16_t(read(a, offset, 2)); }
    uint32_t read32(Address a, uint16_t offset) { return read(a, offset, 4); }
    void write16(Address a, uint16_t offset, uint16_t v) { write(a, offset, 2, v); }
    void write32(Address a, uint16_t offset, uint32_t v) { write(a, offset, 4, v); }

protected:
    ~ConfigAccess() = default;
};

}  // namespace nyanos::pci
