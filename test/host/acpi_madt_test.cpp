// MADT parsing (lib/acpi_madt.h): the interrupt-routing fields and the
// processor list, over hand-built tables. Every table is a heap vector of
// exactly the bytes handed over, so ASan reports any read past its end.
#include <doctest/doctest.h>

#include <stdint.h>
#include <string.h>

#include <vector>

#include "lib/acpi_madt.h"

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

constexpr uint32_t kEnabled = 1, kOnlineCapable = 2;

Bytes local_apic(uint8_t uid, uint8_t apic_id, uint32_t flags) {
    Bytes e(8, 0);
    e[0] = 0;
    e[1] = 8;
    e[2] = uid;
    e[3] = apic_id;
    put32(e, 4, flags);
    return e;
}

Bytes local_x2apic(uint32_t x2apic_id, uint32_t flags, uint32_t uid) {
    Bytes e(16, 0);
    e[0] = 9;
    e[1] = 16;
    put32(e, 4, x2apic_id);
    put32(e, 8, flags);
    put32(e, 12, uid);
    return e;
}

Bytes io_apic(uint8_t id, uint32_t address, uint32_t gsi_base) {
    Bytes e(12, 0);
    e[0] = 1;
    e[1] = 12;
    e[2] = id;
    put32(e, 4, address);
    put32(e, 8, gsi_base);
    return e;
}

Bytes interrupt_override(uint8_t irq, uint32_t gsi, uint16_t flags) {
    Bytes e(10, 0);
    e[0] = 2;
    e[1] = 10;
    e[2] = 0;  // ISA
    e[3] = irq;
    put32(e, 4, gsi);
    put16(e, 8, flags);
    return e;
}

// The MADT header (signature, length; the checksum is not parse_madt's
// business: check_table did it) and the entries.
Bytes madt(std::initializer_list<Bytes> entries, uint32_t lapic = 0xfee00000, uint32_t flags = 1) {
    Bytes t(44, 0);
    memcpy(t.data(), "APIC", 4);
    put32(t, 36, lapic);
    put32(t, 40, flags);
    for (const auto& e : entries) t.insert(t.end(), e.begin(), e.end());
    put32(t, 4, uint32_t(t.size()));
    return t;
}

MadtInfo parse(const Bytes& table) {
    Bytes exact(table);  // exactly the bytes handed over
    MadtInfo info;
    REQUIRE(parse_madt(exact.data(), uint32_t(exact.size()), info).ok());
    return info;
}

}  // namespace

TEST_CASE("parse_madt: QEMU-like table: CPUs, the IOAPIC, ISA overrides") {
    MadtInfo info = parse(
        madt({local_apic(0, 0, kEnabled), local_apic(1, 1, kEnabled), local_apic(2, 2, kEnabled),
              local_apic(3, 3, kEnabled), io_apic(0, 0xfec00000, 0), interrupt_override(0, 2, 0),
              interrupt_override(9, 9, 0x000d), interrupt_override(11, 20, 0x000f)}));
    CHECK(info.lapic_phys == 0xfee00000);
    CHECK(info.has_8259);
    CHECK(info.ioapic_phys == 0xfec00000);
    CHECK(info.ioapic_gsi_base == 0);
    REQUIRE(info.cpu_count == 4);
    for (unsigned i = 0; i < 4; ++i) {
        CHECK(info.cpus[i].apic_id == i);
        CHECK(info.cpus[i].enabled);
    }
    CHECK(info.cpus_skipped == 0);
    CHECK(info.isa[0].gsi == 2);
    CHECK(info.isa[9].gsi == 9);  // QEMU's SCI: active high, level
    CHECK_FALSE(info.isa[9].active_low);
    CHECK(info.isa[9].level);
    CHECK(info.isa[11].gsi == 20);
    CHECK(info.isa[11].active_low);
    CHECK(info.isa[11].level);
    CHECK(info.isa[1].gsi == 1);  // not overridden: identity, high, edge
    CHECK_FALSE(info.isa[1].active_low);
    CHECK_FALSE(info.isa[1].level);
}

TEST_CASE("parse_madt: disabled processors are left out, online-capable ones kept as not enabled") {
    MadtInfo info = parse(madt({local_apic(0, 0, kEnabled), local_apic(1, 4, 0),
                                local_apic(2, 6, kOnlineCapable), local_apic(3, 2, kEnabled)}));
    REQUIRE(info.cpu_count == 3);
    CHECK(info.cpus[0].apic_id == 0);
    CHECK(info.cpus[1].apic_id == 6);
    CHECK_FALSE(info.cpus[1].enabled);
    CHECK(info.cpus[2].apic_id == 2);
    CHECK(info.cpus[2].enabled);
}

TEST_CASE("parse_madt: x2APIC entries, and a processor listed twice counts once") {
    MadtInfo info = parse(madt({local_apic(0, 0, kEnabled), local_x2apic(0, kEnabled, 0),
                                local_x2apic(300, kEnabled, 1), local_x2apic(301, 0, 2),
                                local_x2apic(302, kOnlineCapable, 3), local_apic(4, 0, kEnabled)}));
    REQUIRE(info.cpu_count == 3);
    CHECK(info.cpus[0].apic_id == 0);
    CHECK(info.cpus[1].apic_id == 300);
    CHECK(info.cpus[1].enabled);
    CHECK(info.cpus[2].apic_id == 302);
    CHECK_FALSE(info.cpus[2].enabled);
}

TEST_CASE("parse_madt: processors beyond the bound are counted as skipped") {
    Bytes t = madt({});
    for (uint32_t id = 0; id < kMadtMaxCpus + 5; ++id) {
        Bytes e = local_x2apic(id, kEnabled, id);
        t.insert(t.end(), e.begin(), e.end());
    }
    put32(t, 4, uint32_t(t.size()));
    MadtInfo info = parse(t);
    CHECK(info.cpu_count == kMadtMaxCpus);
    CHECK(info.cpus_skipped == 5);
    CHECK(info.cpus[kMadtMaxCpus - 1].apic_id == kMadtMaxCpus - 1);
}

TEST_CASE("parse_madt: the LAPIC address override, the first IOAPIC, PCAT_COMPAT clear") {
    Bytes lapic_override(12, 0);
    lapic_override[0] = 5;
    lapic_override[1] = 12;
    put64(lapic_override, 4, 0x1'2345'6000ull);
    MadtInfo info = parse(madt(
        {io_apic(0, 0xfec00000, 0), io_apic(1, 0xfec01000, 24), lapic_override}, 0xfee00000, 0));
    CHECK(info.lapic_phys == 0x1'2345'6000ull);
    CHECK(info.ioapic_phys == 0xfec00000);
    CHECK_FALSE(info.has_8259);
    CHECK(info.cpu_count == 0);
}

TEST_CASE("parse_madt: malformed tables and entries") {
    MadtInfo info;
    SUBCASE("too short for the fixed fields") {
        Bytes t(43, 0);
        CHECK(parse_madt(t.data(), uint32_t(t.size()), info).error() == Error::kCorrupt);
        CHECK(parse_madt(nullptr, 100, info).error() == Error::kCorrupt);
        CHECK(info.cpu_count == 0);
        CHECK(info.isa[5].gsi == 5);
    }
    SUBCASE("an entry running past the end ends the walk, keeping what came before") {
        Bytes t = madt({local_apic(0, 0, kEnabled), local_apic(1, 1, kEnabled)});
        t[44 + 8 + 1] = 9;  // the second entry claims one byte more than there is
        info = parse(t);
        CHECK(info.cpu_count == 1);
    }
    SUBCASE("a zero-length entry ends the walk") {
        Bytes t = madt({local_apic(0, 0, kEnabled), local_apic(1, 1, kEnabled)});
        t[44 + 1] = 0;
        info = parse(t);
        CHECK(info.cpu_count == 0);
    }
    SUBCASE("entries too short for their type are skipped") {
        Bytes short_lapic = local_apic(1, 1, kEnabled);
        short_lapic[1] = 6;
        short_lapic.resize(6);
        Bytes short_x2apic = local_x2apic(7, kEnabled, 7);
        short_x2apic[1] = 12;
        short_x2apic.resize(12);
        info = parse(madt({short_lapic, short_x2apic, local_apic(2, 2, kEnabled)}));
        REQUIRE(info.cpu_count == 1);
        CHECK(info.cpus[0].apic_id == 2);
    }
    SUBCASE("a trailing single byte is ignored") {
        Bytes t = madt({local_apic(0, 0, kEnabled)});
        t.push_back(0);
        put32(t, 4, uint32_t(t.size()));
        info = parse(t);
        CHECK(info.cpu_count == 1);
    }
    SUBCASE("garbage entries never read out of bounds") {
        for (unsigned seed = 1; seed < 200; ++seed) {
            Bytes t = madt({});
            uint32_t x = seed * 2654435761u;
            size_t extra = seed % 40;
            for (size_t i = 0; i < extra; ++i) {
                x = x * 1103515245u + 12345u;
                t.push_back(uint8_t(x >> 16));
            }
            put32(t, 4, uint32_t(t.size()));
            Bytes exact(t);
            CHECK(parse_madt(exact.data(), uint32_t(exact.size()), info).ok());
            CHECK(info.cpu_count <= kMadtMaxCpus);
        }
    }
}
