// The kernel's side of ACPI: finding tables in physical memory (mapping them
// on the way) and reading or writing the registers the FADT describes. The
// parsing itself is portable and host-tested: lib/acpi_tables.h.
#pragma once

#include <stdint.h>

#include "lib/acpi_madt.h"
#include "lib/acpi_tables.h"
#include "nyanos/lib/result.h"

namespace nyanos::acpi {

// The `index`-th valid table with `signature` ("APIC", "FACP", "SSDT", ...)
// reachable from the RSDP at `rsdp_phys`, mapped at its HHDM address (see
// mm::map_physical: not from interrupt handlers).
// Errors as acpi::find_table in lib/acpi_tables.h.
Result<Table> find_table(uint64_t rsdp_phys, const char* signature, unsigned index = 0);

// The MADT ("APIC") reachable from the RSDP at `rsdp_phys`, parsed
// (acpi::parse_madt). kNoEntry if there is none; other errors as find_table
// and parse_madt.
Result<MadtInfo> read_madt(uint64_t rsdp_phys);

// The table at `phys` (e.g. the FADT's DSDT), mapped and checked; the
// signature is compared when not null.
Result<Table> map_table(uint64_t phys, const char* signature);

// Makes a memory-space register reachable ahead of time, so that
// read_register/write_register never need to map anything later (when the
// machine may be going down from any context). kFault if it cannot be mapped.
Result<void> prepare_register(const Gas& reg);

// Register access of `width` bits (8, 16 or 32) in I/O space, memory space
// (prepared with prepare_register) or, for writes, PCI configuration space
// of bus 0. kInvalid for other spaces or widths.
Result<uint32_t> read_register(const Gas& reg, unsigned width);
Result<void> write_register(const Gas& reg, unsigned width, uint32_t value);

}  // namespace nyanos::acpi
