#include "lib/acpi_tables.h"

namespace nyanos::acpi {

namespace {

bool same_bytes(const uint8_t* bytes, const char* text, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (bytes[i] != uint8_t(text[i])) return false;
    return true;
}

// FADT field offsets (ACPI 6.5, table 5.9).
constexpr uint32_t kFadtDsdt = 40;
constexpr uint32_t kFadtSmiCmd = 48;
constexpr uint32_t kFadtAcpiEnable = 52;
constexpr uint32_t kFadtPm1aCntBlk = 64;
constexpr uint32_t kFadtPm1bCntBlk = 68;
constexpr uint32_t kFadtPm1CntLen = 89;
constexpr uint32_t kFadtCentury = 108;
constexpr uint32_t kFadtBootArch = 109;
constexpr uint32_t kFadtFlags = 112;
constexpr uint32_t kFadtV1Length = 116;  // everything up to and including Flags
constexpr uint32_t kFadtResetReg = 116;
constexpr uint32_t kFadtResetValue = 128;
constexpr uint32_t kFadtXDsdt = 140;
constexpr uint32_t kFadtXPm1aCntBlk = 172;
constexpr uint32_t kFadtXPm1bCntBlk = 184;
constexpr uint32_t kGasSize = 12;

// The GAS at `offset`, or an absent one if the table ends before it.
Gas read_gas(const uint8_t* table, uint32_t length, uint32_t offset) {
    Gas gas;
    if (offset + kGasSize > length) return gas;
    const uint8_t* p = table + offset;
    gas.space = p[0];
    gas.bit_width = p[1];
    gas.bit_offset = p[2];
    gas.access_size = p[3];
    gas.address = read_le64(p + 4);
    return gas;
}

// A legacy PM1x_CNT_BLK: a port number and PM1_CNT_LEN bytes (2 by spec).
Gas legacy_port(uint32_t port, uint8_t length_bytes) {
    Gas gas;
    gas.space = Gas::kIo;
    gas.bit_width = uint8_t((length_bytes ? length_bytes : 2) * 8);
    gas.address = port;
    return gas;
}

// AML opcodes the \_S5 scan understands (ACPI 6.5, chapter 20).
constexpr uint8_t kZeroOp = 0x00;
constexpr uint8_t kOneOp = 0x01;
constexpr uint8_t kNameOp = 0x08;
constexpr uint8_t kBytePrefix = 0x0a;
constexpr uint8_t kWordPrefix = 0x0b;
constexpr uint8_t kDWordPrefix = 0x0c;
constexpr uint8_t kQWordPrefix = 0x0e;
constexpr uint8_t kPackageOp = 0x12;
constexpr uint8_t kRootChar = '\\';

// Reads one AML integer at aml[*at], not past `end`; advances *at.
bool read_integer(const uint8_t* aml, size_t* at, size_t end, uint64_t* value) {
    if (*at >= end) return false;
    uint8_t op = aml[(*at)++];
    size_t size;
    switch (op) {
        case kZeroOp:
            *value = 0;
            return true;
        case kOneOp:
            *value = 1;
            return true;
        case kBytePrefix:
            size = 1;
            break;
        case kWordPrefix:
            size = 2;
            break;
        case kDWordPrefix:
            size = 4;
            break;
        case kQWordPrefix:
            size = 8;
            break;
        default:
            return false;  // a name, a method call, ...: not a static value
    }
    if (end - *at < size) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i) v |= uint64_t(aml[*at + i]) << (8 * i);
    *at += size;
    *value = v;
    return true;
}

// Parses `PackageOp PkgLength NumElements a [b ...]` at aml[at].
bool parse_s5_package(const uint8_t* aml, size_t length, size_t at, SleepType* out) {
    if (at >= length || aml[at] != kPackageOp) return false;
    size_t pkg_start = at + 1;  // PkgLength counts from its own first byte
    if (pkg_start >= length) return false;
    uint8_t lead = aml[pkg_start];
    size_t extra = lead >> 6;
    if (length - pkg_start < 1 + extra) return false;
    size_t pkg_length;
    if (extra == 0) {
        pkg_length = lead & 0x3f;
    } else {
        if (lead & 0x30) return false;  // bits 4-5 must be zero in the multi-byte form
        pkg_length = lead & 0x0f;
        for (size_t i = 0; i < extra; ++i)
            pkg_length |= size_t(aml[pkg_start + 1 + i]) << (4 + 8 * i);
    }
    // The package must hold its PkgLength and NumElements and end inside the AML.
    if (pkg_length < 1 + extra + 1 || pkg_length > length - pkg_start) return false;
    size_t end = pkg_start + pkg_length;
    size_t cursor = pkg_start + 1 + extra;
    uint8_t elements = aml[cursor++];
    if (elements == 0) return false;
    uint64_t a, b;
    if (!read_integer(aml, &cursor, end, &a)) return false;
    if (elements >= 2) {
        if (!read_integer(aml, &cursor, end, &b)) return false;
    } else {
        b = a;
    }
    // SLP_TYP is a 3-bit field: anything wider is not a sleep type.
    if (a > 7 || b > 7) return false;
    out->a = uint8_t(a);
    out->b = uint8_t(b);
    return true;
}

}  // namespace

bool checksum_ok(const uint8_t* data, size_t length) {
    uint8_t sum = 0;
    for (size_t i = 0; i < length; ++i) sum = uint8_t(sum + data[i]);
    return sum == 0;
}

Result<RootPointer> parse_rsdp(const uint8_t* bytes, size_t available) {
    if (!bytes || available < kRsdpV1Size) return Error::kCorrupt;
    if (!same_bytes(bytes, "RSD PTR ", 8) || !checksum_ok(bytes, kRsdpV1Size))
        return Error::kCorrupt;
    uint8_t revision = bytes[15];
    uint32_t rsdt = read_le32(bytes + 16);
    if (revision >= 2 && available >= kRsdpV2Size) {
        uint32_t length = read_le32(bytes + 20);
        uint64_t xsdt = read_le64(bytes + 24);
        if (length >= kRsdpV2Size && length <= available && checksum_ok(bytes, length) && xsdt)
            return RootPointer{xsdt, true};
    }
    if (rsdt == 0) return Error::kCorrupt;
    return RootPointer{rsdt, false};
}

Result<uint32_t> check_table(const uint8_t* bytes, size_t available, const char* signature) {
    if (!bytes || available < kSdtHeaderSize) return Error::kCorrupt;
    uint32_t length = read_le32(bytes + 4);
    if (length < kSdtHeaderSize || length > available || length > kMaxTableLength)
        return Error::kCorrupt;
    if (!checksum_ok(bytes, length)) return Error::kCorrupt;
    if (signature && !same_bytes(bytes, signature, 4)) return Error::kNoEntry;
    return length;
}

Result<FadtInfo> parse_fadt(const uint8_t* table, uint32_t length) {
    if (!table || length < kFadtV1Length) return Error::kCorrupt;
    FadtInfo info;
    info.revision = table[8];
    info.dsdt_phys = read_le32(table + kFadtDsdt);
    if (length >= kFadtXDsdt + 8) {
        uint64_t x_dsdt = read_le64(table + kFadtXDsdt);
        if (x_dsdt) info.dsdt_phys = x_dsdt;
    }
    info.smi_cmd = read_le32(table + kFadtSmiCmd);
    info.acpi_enable = table[kFadtAcpiEnable];
    uint32_t flags = read_le32(table + kFadtFlags);
    info.hardware_reduced = flags & kFadtFlagHardwareReduced;
    info.century = table[kFadtCentury];
    if (info.revision >= 2)
        info.no_cmos_rtc = read_le16(table + kFadtBootArch) & kFadtBootArchNoCmosRtc;

    uint8_t cnt_len = table[kFadtPm1CntLen];
    Gas x_pm1a = read_gas(table, length, kFadtXPm1aCntBlk);
    Gas x_pm1b = read_gas(table, length, kFadtXPm1bCntBlk);
    info.pm1a_cnt =
        x_pm1a.present() ? x_pm1a : legacy_port(read_le32(table + kFadtPm1aCntBlk), cnt_len);
    info.pm1b_cnt =
        x_pm1b.present() ? x_pm1b : legacy_port(read_le32(table + kFadtPm1bCntBlk), cnt_len);

    if (length > kFadtResetValue) {
        info.reset_reg = read_gas(table, length, kFadtResetReg);
        info.reset_value = table[kFadtResetValue];
        info.reset_supported = (flags & kFadtFlagResetRegSup) && info.reset_reg.present();
    }
    return info;
}

Result<SleepType> find_s5(const uint8_t* aml, size_t length) {
    if (!aml) return Error::kNoEntry;
    bool seen = false;
    for (size_t i = 0; i + 4 <= length; ++i) {
        if (!same_bytes(aml + i, "_S5_", 4)) continue;
        bool named = (i >= 1 && aml[i - 1] == kNameOp) ||
                     (i >= 2 && aml[i - 1] == kRootChar && aml[i - 2] == kNameOp);
        if (!named) continue;  // a reference to _S5_, not its definition
        seen = true;
        SleepType type;
        if (parse_s5_package(aml, length, i + 4, &type)) return type;
    }
    return seen ? Error::kCorrupt : Error::kNoEntry;
}

}  // namespace nyanos::acpi
