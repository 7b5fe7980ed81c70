#include "arch/x86_64/madt.h"

#include "dev/acpi.h"

namespace nyanos::arch {

bool read_madt(uint64_t rsdp_phys, MadtInfo& out) {
    out = MadtInfo{};
    if (!rsdp_phys) return false;
    // The RSDP and the tables are found and checked by dev/acpi (signatures,
    // lengths, checksums); an invalid table is skipped as if absent.
    auto madt = acpi::find_table(rsdp_phys, "APIC");
    if (!madt.ok()) return false;
    return acpi::parse_madt(madt.value().data, madt.value().length, out).ok();
}

}  // namespace nyanos::arch
