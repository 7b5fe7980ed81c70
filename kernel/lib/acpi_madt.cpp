#include "lib/acpi_madt.h"

#include "lib/acpi_tables.h"

namespace nyanos::acpi {

namespace {

// MADT layout (ACPI 6.5, 5.2.12): the SDT header, the local APIC address,
// the flags, then variable-length entries (type, length, body).
constexpr uint32_t kMadtLapicAddress = 36;
constexpr uint32_t kMadtFlags = 40;
constexpr uint32_t kMadtEntries = 44;
constexpr uint32_t kMadtFlagPcatCompat = 1;

constexpr uint8_t kEntryLocalApic = 0;
constexpr uint8_t kEntryIoApic = 1;
constexpr uint8_t kEntryInterruptOverride = 2;
constexpr uint8_t kEntryLapicAddressOverride = 5;
constexpr uint8_t kEntryLocalX2Apic = 9;

// Local APIC and local x2APIC flags.
constexpr uint32_t kCpuEnabled = 1u << 0;
constexpr uint32_t kCpuOnlineCapable = 1u << 1;

void add_cpu(MadtInfo& out, uint32_t apic_id, uint32_t flags) {
    if (!(flags & (kCpuEnabled | kCpuOnlineCapable))) return;  // not usable at all
    for (unsigned i = 0; i < out.cpu_count; ++i)
        if (out.cpus[i].apic_id == apic_id) return;
    if (out.cpu_count == kMadtMaxCpus) {
        ++out.cpus_skipped;
        return;
    }
    out.cpus[out.cpu_count++] = MadtCpu{apic_id, (flags & kCpuEnabled) != 0};
}

}  // namespace

Result<void> parse_madt(const uint8_t* table, uint32_t length, MadtInfo& out) {
    out = MadtInfo{};
    if (!table || length < kMadtEntries) return Error::kCorrupt;
    out.lapic_phys = read_le32(table + kMadtLapicAddress);
    out.has_8259 = read_le32(table + kMadtFlags) & kMadtFlagPcatCompat;
    for (uint32_t at = kMadtEntries; length - at >= 2;) {
        const uint8_t* p = table + at;
        uint8_t type = p[0];
        uint8_t entry_length = p[1];
        if (entry_length < 2 || entry_length > length - at) break;  // malformed: keep what we have
        if (type == kEntryLocalApic && entry_length >= 8) {
            add_cpu(out, p[3], read_le32(p + 4));
        } else if (type == kEntryIoApic && entry_length >= 12 && !out.ioapic_phys) {
            out.ioapic_phys = read_le32(p + 4);
            out.ioapic_gsi_base = read_le32(p + 8);
        } else if (type == kEntryInterruptOverride && entry_length >= 10 && p[2] == 0 /* ISA */ &&
                   p[3] < 16) {
            uint16_t flags = read_le16(p + 8);
            // Polarity 0b11 = active low, trigger 0b11 = level; 0b00 means
            // "as the bus says", which for ISA is high/edge.
            out.isa[p[3]] =
                IsaIrqRoute{read_le32(p + 4), (flags & 3) == 3, ((flags >> 2) & 3) == 3};
        } else if (type == kEntryLapicAddressOverride && entry_length >= 12) {
            out.lapic_phys = read_le64(p + 4);
        } else if (type == kEntryLocalX2Apic && entry_length >= 16) {
            add_cpu(out, read_le32(p + 4), read_le32(p + 8));
        }
        at += entry_length;
    }
    return {};
}

}  // namespace nyanos::acpi
