// ACPI table reading (lib/acpi_tables.h): the \_S5 scan over hand-built AML,
// RSDP/table/FADT validation, and the RSDP -> RSDT/XSDT -> table walk over a
// fake physical memory. Every buffer is a heap vector of exactly the bytes
// handed over, so ASan reports any read past what the parser was given.
#include <doctest/doctest.h>

#include <stdint.h>
#include <string.h>

#include <map>
#include <string>
#include <vector>

#include "lib/acpi_tables.h"

using namespace nyanos;
using namespace nyanos::acpi;

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t at, uint16_t v) {
    for (int i = 0; i < 2; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
void put32(Bytes& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
void put64(Bytes& b, size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + i] = uint8_t(v >> (8 * i));
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes text(const char* s) {
    return Bytes(s, s + strlen(s));
}

// AML opcodes, spelled out so the byte sequences read like the spec.
constexpr uint8_t kName = 0x08, kPackage = 0x12, kZero = 0x00, kOne = 0x01, kByte = 0x0a,
                  kWord = 0x0b, kDWord = 0x0c, kMethod = 0x14;

// `Name(_S5_, Package(n){elements})` with a one-byte PkgLength.
Bytes s5_package(uint8_t count, const Bytes& elements) {
    Bytes b = concat({{kName}, text("_S5_"), {kPackage}});
    b.push_back(uint8_t(1 + 1 + elements.size()));  // PkgLength counts itself and NumElements
    b.push_back(count);
    b.insert(b.end(), elements.begin(), elements.end());
    return b;
}

Result<SleepType> scan(const Bytes& aml) {
    // A copy of exactly the right size: ASan catches over-reads.
    Bytes exact(aml);
    return find_s5(exact.data(), exact.size());
}

// Fixes byte 9 (the checksum) so the table sums to zero.
void fix_checksum(Bytes& table, size_t checksum_at = 9, size_t length = 0) {
    if (length == 0) length = table.size();
    table[checksum_at] = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < length; ++i) sum = uint8_t(sum + table[i]);
    table[checksum_at] = uint8_t(-sum);
}

Bytes make_table(const char* signature, size_t length, uint8_t revision = 1) {
    Bytes t(length, 0);
    memcpy(t.data(), signature, 4);
    put32(t, 4, uint32_t(length));
    t[8] = revision;
    memcpy(t.data() + 10, "NYANOS", 6);
    fix_checksum(t);
    return t;
}

Bytes make_rsdp_v1(uint32_t rsdt) {
    Bytes r(20, 0);
    memcpy(r.data(), "RSD PTR ", 8);
    memcpy(r.data() + 9, "NYANOS", 6);
    r[15] = 0;
    put32(r, 16, rsdt);
    fix_checksum(r, 8, 20);
    return r;
}

Bytes make_rsdp_v2(uint32_t rsdt, uint64_t xsdt) {
    Bytes r(36, 0);
    memcpy(r.data(), "RSD PTR ", 8);
    memcpy(r.data() + 9, "NYANOS", 6);
    r[15] = 2;
    put32(r, 16, rsdt);
    put32(r, 20, 36);
    put64(r, 24, xsdt);
    fix_checksum(r, 8, 20);
    fix_checksum(r, 32, 36);
    return r;
}

// A FADT of `length` bytes with legacy PM1a_CNT at `pm1a_port`.
Bytes make_fadt(size_t length, uint32_t dsdt, uint32_t pm1a_port, uint32_t flags = 0) {
    Bytes f = make_table("FACP", length, length >= 244 ? 5 : 1);
    put32(f, 40, dsdt);
    put32(f, 48, 0xb2);  // SMI_CMD
    f[52] = 0xf1;        // ACPI_ENABLE
    put32(f, 64, pm1a_port);
    f[89] = 2;  // PM1_CNT_LEN
    put32(f, 112, flags);
    fix_checksum(f);
    return f;
}

void put_gas(Bytes& t, size_t at, uint8_t space, uint8_t width, uint64_t address) {
    t[at] = space;
    t[at + 1] = width;
    t[at + 2] = 0;
    t[at + 3] = 1;
    put64(t, at + 4, address);
}

// Physical memory made of separate buffers; map() only succeeds for a range
// that lies entirely inside one of them, like memory the firmware described.
struct FakePhys {
    std::map<uint64_t, Bytes> regions;
    unsigned maps = 0;

    void place(uint64_t phys, Bytes bytes) { regions[phys] = std::move(bytes); }

    const uint8_t* map(uint64_t phys, uint64_t size) {
        ++maps;
        auto it = regions.upper_bound(phys);
        if (it == regions.begin()) return nullptr;
        --it;
        uint64_t offset = phys - it->first;
        if (offset > it->second.size() || size > it->second.size() - offset) return nullptr;
        return it->second.data() + offset;
    }
};

}  // namespace

TEST_CASE("find_s5: BytePrefix elements (typical firmware)") {
    auto r = scan(s5_package(4, {kByte, 0x05, kByte, 0x05, kZero, kZero}));
    REQUIRE(r.ok());
    CHECK(r.value().a == 5);
    CHECK(r.value().b == 5);
}

TEST_CASE("find_s5: ZeroOp/OneOp elements (QEMU's DSDT)") {
    auto zeros = scan(s5_package(4, {kZero, kZero, kZero, kZero}));
    REQUIRE(zeros.ok());
    CHECK(zeros.value().a == 0);
    CHECK(zeros.value().b == 0);
    auto mixed = scan(s5_package(2, {kOne, kByte, 0x07}));
    REQUIRE(mixed.ok());
    CHECK(mixed.value().a == 1);
    CHECK(mixed.value().b == 7);
}

TEST_CASE("find_s5: Word/DWord prefixes, a root prefix, one element, inside a larger DSDT") {
    auto wide = scan(s5_package(2, {kWord, 0x03, 0x00, kDWord, 0x06, 0, 0, 0}));
    REQUIRE(wide.ok());
    CHECK(wide.value().a == 3);
    CHECK(wide.value().b == 6);

    // Name(\_S5_, ...) as some compilers emit it.
    Bytes rooted = concat({{kName, '\\'}, text("_S5_"), {kPackage, 0x05, 0x02, kByte, 2, kOne}});
    auto r = scan(rooted);
    REQUIRE(r.ok());
    CHECK(r.value().a == 2);
    CHECK(r.value().b == 1);

    auto single = scan(s5_package(1, {kByte, 0x04}));
    REQUIRE(single.ok());
    CHECK(single.value().a == 4);
    CHECK(single.value().b == 4);

    // Surrounded by other AML, including _S3_ and _S4_ packages.
    Bytes s3 = s5_package(2, {kOne, kOne});
    s3[3] = '3';
    Bytes s4 = s5_package(2, {kByte, 6, kByte, 6});
    s4[3] = '4';
    Bytes dsdt = concat({Bytes(300, 0x5b), s3, s4, s5_package(4, {kByte, 7, kZero, kZero, kZero}),
                         Bytes(50, 0x10)});
    auto big = scan(dsdt);
    REQUIRE(big.ok());
    CHECK(big.value().a == 7);
    CHECK(big.value().b == 0);
}

TEST_CASE("find_s5: multi-byte PkgLength") {
    // PkgLength 0x46 0x00: two bytes (bits 6-7 = 1), value 6 | (0 << 4) = 6.
    Bytes b = concat({{kName}, text("_S5_"), {kPackage, 0x46, 0x00, 0x02, kByte, 5, kByte, 5}});
    // 6 = 2 PkgLength bytes + NumElements + 4 bytes of elements - 1: too short by one.
    CHECK(scan(b).error() == Error::kCorrupt);
    b[6] = 0x47;
    auto r = scan(b);
    REQUIRE(r.ok());
    CHECK(r.value().a == 5);
    // Reserved bits 4-5 set in the multi-byte form: malformed.
    b[6] = 0x77;
    CHECK(scan(b).error() == Error::kCorrupt);
}

TEST_CASE("find_s5: no _S5_ at all") {
    CHECK(scan({}).error() == Error::kNoEntry);
    CHECK(find_s5(nullptr, 0).error() == Error::kNoEntry);
    Bytes s4 = s5_package(2, {kOne, kOne});
    s4[3] = '4';
    CHECK(scan(s4).error() == Error::kNoEntry);
    // A reference to _S5_ (not preceded by NameOp) is not a definition.
    CHECK(scan(concat({{0x70}, text("_S5_"), {0x60}})).error() == Error::kNoEntry);
    CHECK(scan(text("_S5")).error() == Error::kNoEntry);
}

TEST_CASE("find_s5: truncated or malformed packages are refused") {
    Bytes good = s5_package(4, {kByte, 0x05, kByte, 0x05, kZero, kZero});
    // Every truncation: never a read past the end; either refused or (when
    // both values are still inside) accepted only with the right values.
    for (size_t n = 0; n < good.size(); ++n) {
        Bytes cut(good.begin(), good.begin() + n);
        auto r = scan(cut);
        if (r.ok()) {
            CHECK(r.value().a == 5);
            CHECK(r.value().b == 5);
        }
    }
    // PkgLength past the end of the AML.
    Bytes past = good;
    past[6] = 0x3f;
    CHECK(scan(past).error() == Error::kCorrupt);
    // PkgLength too short to hold the elements it claims.
    Bytes shrunk = good;
    shrunk[6] = 3;
    CHECK(scan(shrunk).error() == Error::kCorrupt);
    // Zero elements.
    CHECK(scan(s5_package(0, {})).error() == Error::kCorrupt);
    // A value that is not a 3-bit SLP_TYP.
    CHECK(scan(s5_package(2, {kByte, 0x08, kZero})).error() == Error::kCorrupt);
    // A name instead of an integer (needs the interpreter).
    CHECK(scan(s5_package(2, {'V', 'A', 'L', 'A', kZero})).error() == Error::kCorrupt);
    // _S5_ as a method: only an interpreter could run it. (Were the method's
    // PkgLength byte 0x08 it would look like NameOp; then the package parse
    // refuses it instead.)
    CHECK(scan(concat({{kMethod, 0x07}, text("_S5_"), {0x00, 0xa4, 0x00}})).error() ==
          Error::kNoEntry);
    CHECK(scan(concat({{kMethod, 0x08}, text("_S5_"), {0x00, 0xa4, 0x00}})).error() ==
          Error::kCorrupt);
    CHECK(scan(concat({{kName}, text("_S5_"), {kMethod}})).error() == Error::kCorrupt);
}

TEST_CASE("find_s5: a malformed definition is skipped for a later valid one") {
    Bytes broken = concat({{kName}, text("_S5_"), {kPackage, 0x3f}});
    auto r = scan(concat({broken, s5_package(2, {kByte, 3, kByte, 4})}));
    REQUIRE(r.ok());
    CHECK(r.value().a == 3);
    CHECK(r.value().b == 4);
}

TEST_CASE("find_s5: garbage never reads out of bounds") {
    // Pseudo-random bytes seeded with the interesting opcodes and names.
    uint32_t state = 12345;
    auto next = [&] {
        state = state * 1103515245u + 12345u;
        return uint8_t(state >> 16);
    };
    const uint8_t interesting[] = {kName, kPackage, kByte, kWord, kDWord, 0x0e,
                                   0x40,  0x80,     0xc0,  0xff,  kZero,  kOne};
    for (int round = 0; round < 2000; ++round) {
        Bytes b;
        size_t n = next() % 40;
        for (size_t i = 0; i < n; ++i) {
            uint8_t x = next();
            if (x < 40) {
                Bytes name = text("_S5_");
                b.insert(b.end(), name.begin(), name.end());
            } else if (x < 160) {
                b.push_back(interesting[x % sizeof(interesting)]);
            } else {
                b.push_back(next());
            }
        }
        auto r = scan(b);
        if (r.ok()) {
            CHECK(r.value().a <= 7);
            CHECK(r.value().b <= 7);
        } else {
            CHECK((r.error() == Error::kNoEntry || r.error() == Error::kCorrupt));
        }
    }
}

TEST_CASE("checksum_ok and check_table") {
    Bytes t = make_table("DSDT", 64);
    CHECK(checksum_ok(t.data(), t.size()));
    REQUIRE(check_table(t.data(), t.size(), "DSDT").ok());
    CHECK(check_table(t.data(), t.size(), "DSDT").value() == 64);
    CHECK(check_table(t.data(), t.size(), nullptr).ok());
    CHECK(check_table(t.data(), t.size(), "SSDT").error() == Error::kNoEntry);

    // More bytes available than the table: fine, only `length` is summed.
    Bytes longer = t;
    longer.resize(100, 0x77);
    CHECK(check_table(longer.data(), longer.size(), "DSDT").ok());

    Bytes bad = t;
    bad[50] ^= 1;
    CHECK_FALSE(checksum_ok(bad.data(), bad.size()));
    CHECK(check_table(bad.data(), bad.size(), "DSDT").error() == Error::kCorrupt);

    // Length beyond what is available, below the header, or absurd.
    Bytes cut(t.begin(), t.begin() + 63);
    CHECK(check_table(cut.data(), cut.size(), "DSDT").error() == Error::kCorrupt);
    Bytes tiny = t;
    put32(tiny, 4, 20);
    fix_checksum(tiny, 9, 20);
    CHECK(check_table(tiny.data(), tiny.size(), nullptr).error() == Error::kCorrupt);
    Bytes huge = t;
    put32(huge, 4, 0xffffffffu);
    CHECK(check_table(huge.data(), huge.size(), nullptr).error() == Error::kCorrupt);
    Bytes header_only(t.begin(), t.begin() + 35);
    CHECK(check_table(header_only.data(), header_only.size(), nullptr).error() == Error::kCorrupt);
    CHECK(check_table(nullptr, 0, nullptr).error() == Error::kCorrupt);
}

TEST_CASE("parse_rsdp: v1, v2, and broken ones") {
    Bytes v1 = make_rsdp_v1(0x1000);
    auto r1 = parse_rsdp(v1.data(), v1.size());
    REQUIRE(r1.ok());
    CHECK(r1.value().phys == 0x1000);
    CHECK_FALSE(r1.value().xsdt);

    Bytes v2 = make_rsdp_v2(0x1000, 0x1'0000'2000);
    auto r2 = parse_rsdp(v2.data(), v2.size());
    REQUIRE(r2.ok());
    CHECK(r2.value().phys == 0x1'0000'2000);
    CHECK(r2.value().xsdt);

    // A bad extended checksum (or a v2 RSDP cut to 20 bytes) falls back to the RSDT.
    Bytes bad_ext = v2;
    bad_ext[32] ^= 0xff;
    auto r3 = parse_rsdp(bad_ext.data(), bad_ext.size());
    REQUIRE(r3.ok());
    CHECK(r3.value().phys == 0x1000);
    CHECK(parse_rsdp(v2.data(), 20).value().phys == 0x1000);
    // An XSDT address of 0 falls back too; with no RSDT either, nothing is usable.
    Bytes no_xsdt = make_rsdp_v2(0x1000, 0);
    CHECK(parse_rsdp(no_xsdt.data(), no_xsdt.size()).value().phys == 0x1000);
    Bytes nothing = make_rsdp_v2(0, 0);
    CHECK(parse_rsdp(nothing.data(), nothing.size()).error() == Error::kCorrupt);
    // A v2 length longer than what is readable is not trusted.
    Bytes long_claim = v2;
    put32(long_claim, 20, 64);
    fix_checksum(long_claim, 32, 36);
    CHECK_FALSE(parse_rsdp(long_claim.data(), long_claim.size()).value().xsdt);

    Bytes bad_sig = v1;
    bad_sig[0] = 'X';
    fix_checksum(bad_sig, 8, 20);
    CHECK(parse_rsdp(bad_sig.data(), bad_sig.size()).error() == Error::kCorrupt);
    Bytes bad_sum = v1;
    bad_sum[8] ^= 1;
    CHECK(parse_rsdp(bad_sum.data(), bad_sum.size()).error() == Error::kCorrupt);
    CHECK(parse_rsdp(v1.data(), 19).error() == Error::kCorrupt);
}

TEST_CASE("parse_fadt: ACPI 1.0 fields, extended fields, the reset register") {
    // ACPI 1.0: 116 bytes, legacy ports only, no reset register.
    Bytes v1 = make_fadt(116, 0x3000, 0x604);
    auto f1 = parse_fadt(v1.data(), uint32_t(v1.size()));
    REQUIRE(f1.ok());
    CHECK(f1.value().dsdt_phys == 0x3000);
    CHECK(f1.value().smi_cmd == 0xb2);
    CHECK(f1.value().acpi_enable == 0xf1);
    CHECK(f1.value().pm1a_cnt.space == Gas::kIo);
    CHECK(f1.value().pm1a_cnt.address == 0x604);
    CHECK(f1.value().pm1a_cnt.bit_width == 16);
    CHECK_FALSE(f1.value().pm1b_cnt.present());
    CHECK_FALSE(f1.value().reset_supported);
    CHECK_FALSE(f1.value().hardware_reduced);
    CHECK(f1.value().century == 0);
    CHECK_FALSE(f1.value().no_cmos_rtc);

    // ACPI 5+: X_DSDT and X_PM1a_CNT_BLK win over the 32-bit fields; the
    // reset register counts only with RESET_REG_SUP.
    Bytes v5 = make_fadt(276, 0x3000, 0x604, kFadtFlagResetRegSup);
    put64(v5, 140, 0x1'0000'4000);
    put_gas(v5, 172, Gas::kIo, 16, 0xb004);
    put_gas(v5, 184, Gas::kMemory, 32, 0xfed0'0000);
    put_gas(v5, 116, Gas::kIo, 8, 0xcf9);
    v5[128] = 0x06;
    fix_checksum(v5);
    auto f5 = parse_fadt(v5.data(), uint32_t(v5.size()));
    REQUIRE(f5.ok());
    CHECK(f5.value().dsdt_phys == 0x1'0000'4000);
    CHECK(f5.value().pm1a_cnt.address == 0xb004);
    CHECK(f5.value().pm1b_cnt.space == Gas::kMemory);
    CHECK(f5.value().pm1b_cnt.address == 0xfed0'0000);
    CHECK(f5.value().reset_supported);
    CHECK(f5.value().reset_reg.address == 0xcf9);
    CHECK(f5.value().reset_value == 0x06);
    CHECK(f5.value().century == 0);

    // The century register's CMOS index, and IAPC_BOOT_ARCH's "no CMOS RTC"
    // (ignored in a revision 1 table, where the field is reserved).
    Bytes rtc = v5;
    rtc[108] = 0x32;
    put16(rtc, 109, kFadtBootArchNoCmosRtc);
    fix_checksum(rtc);
    CHECK(parse_fadt(rtc.data(), uint32_t(rtc.size())).value().century == 0x32);
    CHECK(parse_fadt(rtc.data(), uint32_t(rtc.size())).value().no_cmos_rtc);
    Bytes old = v1;
    old[108] = 0x32;
    put16(old, 109, kFadtBootArchNoCmosRtc);
    fix_checksum(old);
    CHECK(parse_fadt(old.data(), uint32_t(old.size())).value().century == 0x32);
    CHECK_FALSE(parse_fadt(old.data(), uint32_t(old.size())).value().no_cmos_rtc);

    Bytes no_flag = v5;
    put32(no_flag, 112, 0);
    CHECK_FALSE(parse_fadt(no_flag.data(), uint32_t(no_flag.size())).value().reset_supported);
    Bytes reduced = v5;
    put32(reduced, 112, kFadtFlagHardwareReduced);
    CHECK(parse_fadt(reduced.data(), uint32_t(reduced.size())).value().hardware_reduced);

    // A table cut before X_PM1a_CNT_BLK ends: the legacy port is used.
    auto cut = parse_fadt(v5.data(), 180);
    REQUIRE(cut.ok());
    CHECK(cut.value().pm1a_cnt.address == 0x604);
    CHECK(cut.value().dsdt_phys == 0x1'0000'4000);

    CHECK(parse_fadt(v1.data(), 115).error() == Error::kCorrupt);
    CHECK(parse_fadt(nullptr, 0).error() == Error::kCorrupt);
}

TEST_CASE("find_table: the RSDT and XSDT walks") {
    FakePhys mem;
    Bytes fadt = make_fadt(244, 0x5000, 0x604);
    Bytes ssdt1 = make_table("SSDT", 40);
    Bytes ssdt2 = make_table("SSDT", 48);
    Bytes corrupt = make_table("SSDT", 44);
    corrupt[40] = 1;  // checksum now wrong
    mem.place(0x2000, fadt);
    mem.place(0x3000, ssdt1);
    mem.place(0x3800, corrupt);
    mem.place(0x4000, ssdt2);

    // RSDT: 32-bit entries, one pointing at nothing mapped, one at a corrupt table.
    Bytes rsdt = make_table("RSDT", 36 + 5 * 4);
    put32(rsdt, 36, 0x9999000);  // unmapped
    put32(rsdt, 40, 0x2000);
    put32(rsdt, 44, 0x3000);
    put32(rsdt, 48, 0x3800);
    put32(rsdt, 52, 0x4000);
    fix_checksum(rsdt);
    mem.place(0x1000, rsdt);
    mem.place(0xe0000, make_rsdp_v1(0x1000));

    auto facp = find_table(mem, 0xe0000, "FACP");
    REQUIRE(facp.ok());
    CHECK(facp.value().phys == 0x2000);
    CHECK(facp.value().length == 244);
    CHECK(facp.value().data == mem.regions[0x2000].data());
    auto first = find_table(mem, 0xe0000, "SSDT", 0);
    REQUIRE(first.ok());
    CHECK(first.value().phys == 0x3000);
    auto second = find_table(mem, 0xe0000, "SSDT", 1);  // the corrupt one is skipped
    REQUIRE(second.ok());
    CHECK(second.value().phys == 0x4000);
    CHECK(find_table(mem, 0xe0000, "SSDT", 2).error() == Error::kNoEntry);
    CHECK(find_table(mem, 0xe0000, "APIC").error() == Error::kNoEntry);

    // XSDT: 64-bit entries (unaligned: they start at offset 36).
    Bytes xsdt = make_table("XSDT", 36 + 2 * 8);
    put64(xsdt, 36, 0x4000);
    put64(xsdt, 44, 0x2000);
    fix_checksum(xsdt);
    mem.place(0x1'0000'0000, xsdt);
    mem.place(0xf0000, make_rsdp_v2(0x1000, 0x1'0000'0000));
    auto via_xsdt = find_table(mem, 0xf0000, "SSDT");
    REQUIRE(via_xsdt.ok());
    CHECK(via_xsdt.value().phys == 0x4000);  // the XSDT's order, not the RSDT's
    CHECK(find_table(mem, 0xf0000, "FACP").ok());

    // The DSDT is reached from the FADT, not the root table.
    Bytes dsdt = concat({make_table("DSDT", 36), s5_package(2, {kByte, 5, kByte, 5})});
    put32(dsdt, 4, uint32_t(dsdt.size()));
    fix_checksum(dsdt);
    mem.place(0x5000, dsdt);
    auto info = parse_fadt(facp.value().data, facp.value().length);
    REQUIRE(info.ok());
    auto d = map_table(mem, info.value().dsdt_phys, "DSDT");
    REQUIRE(d.ok());
    auto s5 = find_s5(d.value().data + kSdtHeaderSize, d.value().length - kSdtHeaderSize);
    REQUIRE(s5.ok());
    CHECK(s5.value().a == 5);
    CHECK(map_table(mem, 0x5000, "SSDT").error() == Error::kNoEntry);
    CHECK(map_table(mem, 0, "DSDT").error() == Error::kNoEntry);
}

TEST_CASE("find_table: unusable RSDPs and root tables give up cleanly") {
    FakePhys mem;
    mem.place(0x2000, make_table("FACP", 116));
    CHECK(find_table(mem, 0, "FACP").error() == Error::kNoEntry);
    CHECK(find_table(mem, 0xe0000, "FACP").error() == Error::kFault);  // nothing there

    // A root table whose length runs past the mapped memory.
    Bytes rsdt = make_table("RSDT", 40);
    put32(rsdt, 36, 0x2000);
    fix_checksum(rsdt);
    Bytes truncated(rsdt.begin(), rsdt.begin() + 38);
    mem.place(0x1000, truncated);
    mem.place(0xe0000, make_rsdp_v1(0x1000));
    CHECK(find_table(mem, 0xe0000, "FACP").error() == Error::kFault);

    // A root table with a bad checksum.
    Bytes bad = rsdt;
    bad[36] ^= 0x10;
    mem.place(0x1000, bad);
    CHECK(find_table(mem, 0xe0000, "FACP").error() == Error::kCorrupt);

    // An RSDP pointing at a table with the wrong signature.
    Bytes xsdt_named_rsdt = rsdt;
    memcpy(xsdt_named_rsdt.data(), "XSDT", 4);
    fix_checksum(xsdt_named_rsdt);
    mem.place(0x1000, xsdt_named_rsdt);
    CHECK(find_table(mem, 0xe0000, "FACP").error() == Error::kNoEntry);

    // A table claiming a length below its header, and one that is absurdly long.
    mem.place(0x1000, rsdt);
    Bytes shorty = make_table("FACP", 116);
    put32(shorty, 4, 8);
    mem.place(0x2000, shorty);
    CHECK(find_table(mem, 0xe0000, "FACP").error() == Error::kNoEntry);
    CHECK(map_table(mem, 0x2000, "FACP").error() == Error::kCorrupt);
    Bytes huge = make_table("FACP", 116);
    put32(huge, 4, kMaxTableLength + 1);
    mem.place(0x2000, huge);
    CHECK(map_table(mem, 0x2000, "FACP").error() == Error::kCorrupt);

    // A v2 RSDP claiming an absurd length: the v2 part is ignored, the RSDT used.
    Bytes v2 = make_rsdp_v2(0x1000, 0x7777000);
    put32(v2, 20, 0x10000);
    fix_checksum(v2, 32, 36);
    mem.place(0xf0000, v2);
    mem.place(0x2000, make_table("FACP", 116));
    auto found = find_table(mem, 0xf0000, "FACP");
    REQUIRE(found.ok());
    CHECK(found.value().phys == 0x2000);
}
