// Reading ACPI's static tables without trusting them: the RSDP, the RSDT or
// XSDT, any table's header and checksum, the FADT's power-management fields,
// and the \_S5 sleep values in a DSDT's AML. Portable (no port I/O, no
// mappings): the caller supplies the bytes, or, for the table walk, an Env
// that maps physical memory. Every length is checked against the bytes the
// caller said are there, so a malformed table yields an error, never a read
// past its end.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::acpi {

inline constexpr uint32_t kSdtHeaderSize = 36;
// Tables longer than this are treated as corrupt (real DSDTs are well below).
inline constexpr uint32_t kMaxTableLength = 1u << 20;
inline constexpr uint32_t kRsdpV1Size = 20;
inline constexpr uint32_t kRsdpV2Size = 36;
// A v2 RSDP claiming to be longer than this is corrupt.
inline constexpr uint32_t kMaxRsdpLength = 4096;

inline uint16_t read_le16(const uint8_t* p) {
    return uint16_t(p[0] | (p[1] << 8));
}
inline uint32_t read_le32(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline uint64_t read_le64(const uint8_t* p) {
    return uint64_t(read_le32(p)) | (uint64_t(read_le32(p + 4)) << 32);
}

// True if the bytes sum to 0 modulo 256 (ACPI's checksum rule).
bool checksum_ok(const uint8_t* data, size_t length);

// Where the RSDP says the root table is.
struct RootPointer {
    uint64_t phys = 0;
    bool xsdt = false;  // 64-bit entries (XSDT) rather than 32-bit (RSDT)
};

// Checks the RSDP in `bytes` (of which `available` are readable): signature
// "RSD PTR ", the v1 checksum over 20 bytes and, for revision >= 2, the
// length and the extended checksum. Prefers the XSDT when the v2 part is
// valid and names one; falls back to the RSDT otherwise.
// kCorrupt: not an RSDP or no usable root table.
Result<RootPointer> parse_rsdp(const uint8_t* bytes, size_t available);

// Checks a system description table in `bytes` (`available` readable): a
// header fits, length is in [36, min(available, kMaxTableLength)], the
// checksum over `length` bytes is 0, and (if `signature` is not null) the
// 4-byte signature matches. Returns the table's length.
// kCorrupt: malformed; kNoEntry: a valid table with another signature.
Result<uint32_t> check_table(const uint8_t* bytes, size_t available, const char* signature);

// ACPI's Generic Address Structure: where a register lives.
struct Gas {
    enum Space : uint8_t { kMemory = 0, kIo = 1, kPciConfig = 2 };
    uint8_t space = kIo;
    uint8_t bit_width = 0;
    uint8_t bit_offset = 0;
    uint8_t access_size = 0;
    uint64_t address = 0;  // 0: not present
    bool present() const { return address != 0; }
};

// What power-off, reboot and the clock need from the FADT ("FACP").
struct FadtInfo {
    uint8_t revision = 0;
    uint64_t dsdt_phys = 0;  // X_DSDT when present and non-zero, else DSDT
    uint32_t smi_cmd = 0;    // 0: no SMI command port (already in ACPI mode)
    uint8_t acpi_enable = 0;
    Gas pm1a_cnt;                   // X_PM1a_CNT_BLK when present, else the PM1a_CNT_BLK port
    Gas pm1b_cnt;                   // absent (address 0) on most machines
    bool hardware_reduced = false;  // no PM1 blocks, no SCI_EN
    bool reset_supported = false;   // RESET_REG_SUP and a reset register present
    Gas reset_reg;
    uint8_t reset_value = 0;
    // The CMOS RAM index of the RTC's century register (0: none).
    uint8_t century = 0;
    // IAPC_BOOT_ARCH says there is no CMOS RTC (ACPI 5.0's bit 5; the field
    // is read from revision 2 on, reserved and zero before).
    bool no_cmos_rtc = false;
};

inline constexpr uint32_t kFadtFlagResetRegSup = 1u << 10;
inline constexpr uint32_t kFadtFlagHardwareReduced = 1u << 20;
inline constexpr uint16_t kFadtBootArchNoCmosRtc = 1u << 5;

// Reads the FADT fields above from a table already checked by check_table
// (`length` is its length). Fields past `length` (an older, shorter FADT)
// are taken as absent. kCorrupt if the table is too short to hold even the
// ACPI 1.0 fields.
Result<FadtInfo> parse_fadt(const uint8_t* table, uint32_t length);

// The MADT ("APIC") is read by lib/acpi_madt.h.
// The values \_S5 asks to write to PM1a/PM1b_CNT.SLP_TYP (3 bits each).
struct SleepType {
    uint8_t a = 0;
    uint8_t b = 0;
};

// Scans AML (a DSDT's or SSDT's body, after the header) for a static
// `Name(_S5_, Package(){a, b, ...})`: NameOp (optionally with a `\` root
// prefix), "_S5_", PackageOp, PkgLength, NumElements, then integers as
// ZeroOp, OneOp, BytePrefix, WordPrefix or DWordPrefix. A package with one
// element gives b = a. Occurrences that do not parse are skipped.
// kNoEntry: no _S5_ name at all; kCorrupt: only malformed ones.
Result<SleepType> find_s5(const uint8_t* aml, size_t length);

// A mapped, validated table.
struct Table {
    uint64_t phys = 0;
    const uint8_t* data = nullptr;
    uint32_t length = 0;
};

// Maps and checks the table at `phys` through env.map(phys, size), which
// returns a pointer to `size` readable bytes or nullptr; pointers it returned
// earlier must stay valid (the kernel's are HHDM addresses). The signature is
// compared before the whole table is mapped. Errors as check_table, plus
// kFault when env.map fails and kNoEntry for phys 0.
template <typename Env>
Result<Table> map_table(Env& env, uint64_t phys, const char* signature) {
    if (phys == 0) return Error::kNoEntry;
    const uint8_t* header = env.map(phys, kSdtHeaderSize);
    if (!header) return Error::kFault;
    if (signature) {
        for (unsigned i = 0; i < 4; ++i)
            if (header[i] != uint8_t(signature[i])) return Error::kNoEntry;
    }
    uint32_t length = read_le32(header + 4);
    if (length < kSdtHeaderSize || length > kMaxTableLength) return Error::kCorrupt;
    const uint8_t* data = env.map(phys, length);
    if (!data) return Error::kFault;
    TRY(check_table(data, length, signature));
    return Table{phys, data, length};
}

// Follows the RSDP at `rsdp_phys` to the root table (checked like any
// table) and returns the `index`-th valid table with `signature` (0 for the
// first; several SSDTs are common). Root entries that do not lead to a valid
// table are skipped. kNoEntry if there is no such table; kCorrupt or kFault
// if the RSDP or the root table is unusable.
template <typename Env>
Result<Table> find_table(Env& env, uint64_t rsdp_phys, const char* signature, unsigned index = 0) {
    if (rsdp_phys == 0) return Error::kNoEntry;
    const uint8_t* rsdp = env.map(rsdp_phys, kRsdpV1Size);
    if (!rsdp) return Error::kFault;
    size_t available = kRsdpV1Size;
    if (rsdp[15] >= 2) {
        // The v2 length is only meaningful once the v2 part is readable.
        if (!(rsdp = env.map(rsdp_phys, kRsdpV2Size))) return Error::kFault;
        uint32_t length = read_le32(rsdp + 20);
        if (length >= kRsdpV2Size && length <= kMaxRsdpLength) {
            if (!(rsdp = env.map(rsdp_phys, length))) return Error::kFault;
            available = length;
        } else {
            available = kRsdpV2Size;  // parse_rsdp rejects the v2 part
        }
    }
    RootPointer root_pointer = TRY(parse_rsdp(rsdp, available));
    Table root = TRY(map_table(env, root_pointer.phys, root_pointer.xsdt ? "XSDT" : "RSDT"));
    unsigned entry_size = root_pointer.xsdt ? 8 : 4;
    uint32_t count = (root.length - kSdtHeaderSize) / entry_size;
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t* entry = root.data + kSdtHeaderSize + size_t(i) * entry_size;
        uint64_t phys = root_pointer.xsdt ? read_le64(entry) : read_le32(entry);
        auto table = map_table(env, phys, signature);
        if (!table.ok()) continue;
        if (index-- == 0) return table.release_value();
    }
    return Error::kNoEntry;
}

}  // namespace nyanos::acpi
