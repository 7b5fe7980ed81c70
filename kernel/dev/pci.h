// The kernel's PCI devices: found once at boot (every function behind the
// host bridge, with its BARs sized), listed for /proc/pci, and handed to
// drivers with what they need to start a device: its registers mapped as
// uncached MMIO through the kernel VMM, memory decoding and bus mastering
// on, and an MSI or MSI-X interrupt aimed at one CPU's local APIC.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/pci_bar.h"
#include "lib/pci_enumerate.h"
#include "nyanos/lib/result.h"

namespace nyanos::pci {

// Functions beyond this many are counted at boot and otherwise ignored.
inline constexpr size_t kMaxDevices = 64;

struct Device {
    Function function;
    Bar bars[kGeneralBars];  // the decoded BARs (not the empty slots), in slot order
    uint8_t bar_count = 0;
};

// Enumerates the buses (dev/pci_access.h picks ECAM or the ports), sizes
// every function's BARs and prints a boot line for each device of a class
// the kernel drives (lib/pci_text.h), then `pci: N devices`. On the boot
// CPU, after init_vmm and before the other CPUs start (BAR probes turn a
// device's decoding off for a moment: nothing may use it meanwhile). A
// machine without PCI, or a device that answers nonsense, gets a line
// saying so; nothing here panics.
void init_pci(uint64_t rsdp_phys);

// The devices found at boot, in enumeration order. The list is written
// before the other CPUs start and read-only afterwards: no lock.
size_t device_count();
const Device& device_at(size_t index);

// The `nth` device (0 for the first) of class `class_triplet` (0x0c0330);
// nullptr if there is none.
const Device* find_device(uint32_t class_triplet, size_t nth = 0);

// The decoded BAR in slot `index`; kNoEntry if that slot has none.
Result<Bar> bar(const Device& device, uint8_t index);

// Maps memory BAR `index` uncached (mm::map_physical) and returns its
// registers. kNotSupported for an I/O BAR, kNoEntry for an empty slot,
// kFault if the window lies beyond the direct map or a page table cannot
// be allocated. Not from interrupt handlers. Idempotent.
Result<volatile uint8_t*> map_bar(const Device& device, uint8_t index);

// Turns memory decoding and bus mastering on (the device may then read and
// write RAM by DMA: only for a device whose driver owns it).
void enable_memory_and_bus_master(const Device& device);

// How a device's interrupt reaches the CPU once route_interrupt is done.
enum class InterruptKind : uint8_t { kMsix, kMsi };
const char* interrupt_kind_name(InterruptKind kind);  // "msi-x", "msi"

// Aims the device's first interrupt at the local APIC whose id is
// `apic_id`, as `vector`: MSI-X entry 0 when the device has MSI-X (its
// table mapped through map_bar and checked to lie inside its BAR), else
// MSI; an MSI-X that cannot be used (a table outside its BAR, a BAR that
// cannot be mapped) falls back to MSI when the device has that too, and
// leaves the device as it was otherwise. Returns which was programmed.
// kNotSupported when the device has neither: the driver then polls.
// kInvalid for a vector below 32 or an id the xAPIC cannot name; kCorrupt
// for a capability list or MSI-X table that does not hold together. The
// caller turns memory decoding on first (an MSI-X table is in a BAR) and
// binds the vector to its handler before (arch/x86_64/device_vectors.h).
Result<InterruptKind> route_interrupt(const Device& device, uint32_t apic_id, uint8_t vector);

}  // namespace nyanos::pci
