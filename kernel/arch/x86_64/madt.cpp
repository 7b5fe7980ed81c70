#include "arch/x86_64/madt.h"

#include "arch/x86_64/mmio.h"
#include "dev/console.h"

namespace nyanos::arch {

namespace {

struct [[gnu::packed]] Rsdp {
    char signature[8];  // "RSD PTR "
    uint8_t checksum;   // over the first 20 bytes
    char oem_id[6];
    uint8_t revision;  // 0: ACPI 1.0 (RSDT only), 2+: XSDT fields valid
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum;
    uint8_t reserved[3];
};
static_assert(sizeof(Rsdp) == 36);

struct [[gnu::packed]] SdtHeader {
    char signature[4];
    uint32_t length;  // including this header
    uint8_t revision;
    uint8_t checksum;  // over `length` bytes
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};
static_assert(sizeof(SdtHeader) == 36);

// Tables larger than this are treated as corrupt.
constexpr uint32_t kMaxTableLength = 1u << 20;

bool checksum_ok(const void* data, uint64_t length) {
    uint8_t sum = 0;
    for (uint64_t i = 0; i < length; ++i) sum += static_cast<const uint8_t*>(data)[i];
    return sum == 0;
}

bool same(const char* a, const char* b, unsigned n) {
    for (unsigned i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// Maps a whole table and checks it; nullptr if it is not a valid one.
const SdtHeader* map_table(uint64_t phys) {
    if (!phys) return nullptr;
    auto* header = static_cast<const SdtHeader*>(map_physical(phys, sizeof(SdtHeader), false));
    if (!header || header->length < sizeof(SdtHeader) || header->length > kMaxTableLength)
        return nullptr;
    if (!map_physical(phys, header->length, false)) return nullptr;
    return checksum_ok(header, header->length) ? header : nullptr;
}

template <typename T>
T read_unaligned(const uint8_t* p) {
    T value;
    __builtin_memcpy(&value, p, sizeof(T));
    return value;
}

const SdtHeader* find_madt(uint64_t rsdp_phys) {
    auto* rsdp = static_cast<const Rsdp*>(map_physical(rsdp_phys, sizeof(Rsdp), false));
    if (!rsdp || !same(rsdp->signature, "RSD PTR ", 8) || !checksum_ok(rsdp, 20)) return nullptr;
    bool use_xsdt = rsdp->revision >= 2 && rsdp->xsdt_address != 0;
    const SdtHeader* root = map_table(use_xsdt ? rsdp->xsdt_address : rsdp->rsdt_address);
    if (!root) return nullptr;
    unsigned entry_size = use_xsdt ? 8 : 4;
    auto* entries = reinterpret_cast<const uint8_t*>(root) + sizeof(SdtHeader);
    uint32_t count = (root->length - sizeof(SdtHeader)) / entry_size;
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t phys = use_xsdt ? read_unaligned<uint64_t>(entries + i * 8)
                                 : read_unaligned<uint32_t>(entries + i * 4);
        const SdtHeader* table = map_table(phys);
        if (table && same(table->signature, "APIC", 4)) return table;
    }
    return nullptr;
}

}  // namespace

bool read_madt(uint64_t rsdp_phys, MadtInfo& out) {
    out = MadtInfo{};
    for (unsigned irq = 0; irq < 16; ++irq) out.isa[irq] = IsaIrqRoute{irq, false, false};
    if (!rsdp_phys) return false;
    const SdtHeader* madt = find_madt(rsdp_phys);
    if (!madt || madt->length < sizeof(SdtHeader) + 8) return false;

    auto* base = reinterpret_cast<const uint8_t*>(madt);
    out.lapic_phys = read_unaligned<uint32_t>(base + 36);
    out.has_8259 = read_unaligned<uint32_t>(base + 40) & 1;
    const uint8_t* p = base + 44;
    const uint8_t* end = base + madt->length;
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
