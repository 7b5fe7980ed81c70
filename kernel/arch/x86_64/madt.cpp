#include "arch/x86_64/madt.h"

#include "dev/acpi.h"

namespace nyanos::arch {

namespace {

template <typename T>
T read_unaligned(const uint8_t* p) {
    T value;
    __builtin_memcpy(&value, p, sizeof(T));
    return value;
}

}  // namespace

bool read_madt(uint64_t rsdp_phys, MadtInfo& out) {
    out = MadtInfo{};
    for (unsigned irq = 0; irq < 16; ++irq) out.isa[irq] = IsaIrqRoute{irq, false, false};
    if (!rsdp_phys) return false;
    // The RSDP and the tables are found and checked by dev/acpi (signatures,
    // lengths, checksums); an invalid table is skipped as if absent.
    auto madt = acpi::find_table(rsdp_phys, "APIC");
    if (!madt.ok() || madt.value().length < acpi::kSdtHeaderSize + 8) return false;

    const uint8_t* base = madt.value().data;
    out.lapic_phys = read_unaligned<uint32_t>(base + 36);
    out.has_8259 = read_unaligned<uint32_t>(base + 40) & 1;
    const uint8_t* p = base + 44;
    const uint8_t* end = base + madt.value().length;
    while (p + 2 <= end) {
        uint8_t type = p[0];
        uint8_t length = p[1];
        if (length < 2 || p + length > end) break;  // malformed: stop, keep what we have
        if (type == 1 && length >= 12 && !out.ioapic_phys) {
            out.ioapic_phys = read_unaligned<uint32_t>(p + 4);
            out.ioapic_gsi_base = read_unaligned<uint32_t>(p + 8);
        } else if (type == 2 && length >= 10 && p[2] == 0 /* ISA bus */ && p[3] < 16) {
            uint16_t flags = read_unaligned<uint16_t>(p + 8);
            // Polarity 0b11 = active low, trigger 0b11 = level; 0b00 means
            // "as the bus says", which for ISA is high/edge.
            out.isa[p[3]] = IsaIrqRoute{read_unaligned<uint32_t>(p + 4), (flags & 3) == 3,
                                        ((flags >> 2) & 3) == 3};
        } else if (type == 5 && length >= 12) {
            out.lapic_phys = read_unaligned<uint64_t>(p + 4);
        }
        p += length;
    }
    return true;
}

}  // namespace nyanos::arch
