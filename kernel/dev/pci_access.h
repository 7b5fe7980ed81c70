// How the kernel reaches PCI configuration space: through the ECAM window
// the ACPI MCFG names for segment 0 (memory-mapped, 4 KiB per function,
// mapped a bus at a time through the kernel VMM as uncached MMIO), or,
// without an MCFG (QEMU's pc machine, old firmware), through the legacy
// configuration mechanism #1 ports 0xCF8/0xCFC (256 bytes per function).
// The portable walkers (lib/pci_*.h) run on either.
#pragma once

#include <stdint.h>

#include "lib/pci_config.h"
#include "lib/pci_enumerate.h"

namespace nyanos::pci {

// Which mechanism init_config_access chose, and the buses it reaches.
struct ConfigMechanism {
    const char* name = "none";  // "ecam" or "ports"
    uint64_t ecam_base = 0;     // ecam: the MCFG window's base
    BusRange buses;
};

// Picks the mechanism once, at boot, before any other CPU runs: ECAM when
// the RSDP at `rsdp_phys` leads to a usable MCFG window for segment 0 and
// `pci=ports` is not on the command line, else the ports; *mechanism says
// which. Returns nullptr when neither works (no MCFG and the 0xCF8 address
// register does not hold what is written to it: no PCI host bridge).
ConfigAccess* init_config_access(uint64_t rsdp_phys, ConfigMechanism* mechanism);

// The accessor init_config_access chose (nullptr before it, or without PCI).
// Safe from any CPU in thread context; an ECAM bus not reached at boot
// (reach_bus) reads as absent.
ConfigAccess* config_access();

}  // namespace nyanos::pci
