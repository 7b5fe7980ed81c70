// BAR decoding and size probing (lib/pci_bar.h) against a fake
// configuration space whose BARs behave like hardware, and against BARs
// that read back values no hardware gives.
#include <doctest/doctest.h>

#include "fake_pci_config.h"
#include "lib/pci_bar.h"

using namespace nyanos;
using namespace nyanos::pci;
using nyanos::test::FakeFunction;
using nyanos::test::FakePciConfig;

namespace {

constexpr Address kDev{0, 4, 0};
constexpr uint16_t kDecoding = kCommandIo | kCommandMemory | kCommandBusMaster;

// A hardware-like BAR: the address bits above the size are writable.
void memory_bar(FakeFunction& f, unsigned slot, uint32_t value, uint32_t size) {
    f.set32(uint16_t(kBar0 + 4 * slot), value);
    f.bar_writable[slot] = ~(size - 1) & ~15u;
}

}  // namespace

TEST_CASE("pci bar: a 32-bit memory BAR is sized and put back") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x1b36, 0x000d, 0x0c0330);
    f.set16(kCommand, kDecoding);
    memory_bar(f, 0, 0xfebf0000, 0x4000);
    auto bar = probe_bar(config, kDev, 0, kGeneralBars);
    REQUIRE(bar.ok());
    CHECK(bar.value().kind == BarKind::kMemory32);
    CHECK(bar.value().base == 0xfebf0000);
    CHECK(bar.value().size == 0x4000);
    CHECK_FALSE(bar.value().prefetchable);
    CHECK(f.get(kBar0, 4) == 0xfebf0000);
    CHECK(f.get(kCommand, 2) == kDecoding);
    CHECK(config.m_probes_while_decoding == 0);
}

TEST_CASE("pci bar: a 64-bit prefetchable BAR takes two slots") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x1234, 0x1111, 0x030000);
    f.set16(kCommand, kDecoding);
    memory_bar(f, 2, 0x0000000c, 1 << 20);  // 64-bit, prefetchable, low half 0
    f.set32(kBar0 + 12, 0x8);               // high half: 0x8_0000_0000
    f.bar_writable[3] = 0xffffffff;
    Bar bars[6];
    size_t bad = 0;
    size_t n = probe_bars(config, kDev, kHeaderGeneral, bars, 6, &bad);
    REQUIRE(n == 1);
    CHECK(bad == 0);
    CHECK(bars[0].index == 2);
    CHECK(bars[0].kind == BarKind::kMemory64);
    CHECK(bars[0].prefetchable);
    CHECK(bars[0].base == 0x800000000ull);
    CHECK(bars[0].size == 1 << 20);
    CHECK(bars[0].slots() == 2);
    CHECK(f.get(kBar0 + 12, 4) == 0x8);
    CHECK(config.m_probes_while_decoding == 0);
}

TEST_CASE("pci bar: a 64-bit BAR may decode fewer than 64 address bits") {
    // 40 address bits: the upper half has 8 writable bits.
    auto bar = decode_bar(0, 6, 0xe0000004, 0xfffff004, 0x12, 0xff);
    REQUIRE(bar.ok());
    CHECK(bar.value().base == 0x12e0000000ull);
    CHECK(bar.value().size == 0x1000);
}

TEST_CASE("pci bar: an I/O BAR that decodes 16 bits") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x8086, 0x7010, 0x010180);
    f.set32(kBar0 + 16, 0xc041);  // port 0xc040, I/O
    f.bar_writable[4] = 0xffe0;   // the upper half reads back 0
    auto bar = probe_bar(config, kDev, 4, kGeneralBars);
    REQUIRE(bar.ok());
    CHECK(bar.value().kind == BarKind::kIo);
    CHECK(bar.value().base == 0xc040);
    CHECK(bar.value().size == 0x20);
}

TEST_CASE("pci bar: unimplemented slots are kNone and left out") {
    FakePciConfig config;
    config.add(kDev, 0x8086, 0x7010, 0x010180);
    auto bar = probe_bar(config, kDev, 0, kGeneralBars);
    REQUIRE(bar.ok());
    CHECK(bar.value().kind == BarKind::kNone);
    Bar bars[6];
    CHECK(probe_bars(config, kDev, kHeaderGeneral, bars, 6, nullptr) == 0);
}

TEST_CASE("pci bar: slot counts by header type") {
    CHECK(bar_slots(kHeaderGeneral) == 6);
    CHECK(bar_slots(kHeaderBridge) == 2);
    CHECK(bar_slots(kHeaderCardBus) == 0);
    CHECK(bar_slots(0x7f) == 0);
    FakePciConfig config;
    config.add(kDev, 0x1234, 0x1111, 0x060700, kHeaderCardBus);
    Bar bars[6];
    CHECK(probe_bars(config, kDev, kHeaderCardBus, bars, 6, nullptr) == 0);
    CHECK(config.m_writes == 0);
    CHECK(probe_bar(config, kDev, 2, kBridgeBars).error() == Error::kInvalid);
}

TEST_CASE("pci bar: readbacks no hardware gives are errors") {
    SUBCASE("address bits that are not one run") {
        CHECK(decode_bar(0, 6, 0xfe000000, 0xf0f00000, 0, 0).error() == Error::kCorrupt);
    }
    SUBCASE("a base not aligned to the size") {
        CHECK(decode_bar(0, 6, 0xfe001000, 0xffff0000, 0, 0).error() == Error::kCorrupt);
    }
    SUBCASE("the reserved memory type") {
        CHECK(decode_bar(0, 6, 0xfe000006, 0xffff0006, 0, 0).error() == Error::kCorrupt);
    }
    SUBCASE("type bits that change under the probe") {
        CHECK(decode_bar(0, 6, 0xfe000000, 0xffff0004, 0, 0).error() == Error::kCorrupt);
        CHECK(decode_bar(0, 6, 0xc001, 0xfffffff0, 0, 0).error() == Error::kCorrupt);
    }
    SUBCASE("a 64-bit BAR in the last slot") {
        CHECK(decode_bar(5, 6, 0xfe000004, 0xffff0004, 0, 0).error() == Error::kRange);
        CHECK(decode_bar(1, 2, 0xfe000004, 0xffff0004, 0, 0).error() == Error::kRange);
    }
    SUBCASE("a 64-bit BAR whose low half is not all writable above its size") {
        CHECK(decode_bar(0, 6, 0x00000004, 0x0fff0004, 0, 0xffffffff).error() == Error::kCorrupt);
    }
    SUBCASE("a window that wraps the address space") {
        CHECK(decode_bar(0, 6, 0xfffff004, 0xfffff004, 0xffffffff, 0xffffffff).error() ==
              Error::kCorrupt);
    }
    SUBCASE("a function that is gone") {
        CHECK(decode_bar(0, 6, 0xffffffff, 0xffffffff, 0, 0).error() == Error::kNoDevice);
    }
    SUBCASE("an I/O BAR with stray upper bits") {
        CHECK(decode_bar(0, 6, 0xc001, 0x00f0ffe1, 0, 0).error() == Error::kCorrupt);
    }
    SUBCASE("an index beyond the slots") {
        CHECK(decode_bar(6, 6, 0, 0, 0, 0).error() == Error::kInvalid);
    }
}

TEST_CASE("pci bar: a BAR stuck at garbage is skipped, its neighbours still probed") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x1234, 0x1111, 0x020000);
    f.set16(kCommand, kDecoding);
    f.bar_stuck[0] = true;
    f.bar_fixed[0] = 0x12345670;  // reads the same whatever is written
    memory_bar(f, 1, 0xfebf1000, 0x1000);
    f.bar_stuck[2] = true;
    f.bar_fixed[2] = 0xfffffff4;  // 64-bit type: takes its upper slot with it
    f.bar_stuck[3] = true;
    f.bar_fixed[3] = 0xffffffff;
    f.bar_stuck[5] = true;
    f.bar_fixed[5] = 0xffffffff;  // a "gone" readback
    Bar bars[6];
    size_t bad = 0;
    size_t n = probe_bars(config, kDev, kHeaderGeneral, bars, 6, &bad);
    REQUIRE(n == 1);
    CHECK(bars[0].index == 1);
    CHECK(bars[0].size == 0x1000);
    CHECK(bad == 4);  // slots 0, 2, 3 (read alone after 2 failed) and 5
    CHECK(f.get(kCommand, 2) == kDecoding);
    CHECK(config.m_probes_while_decoding == 0);
}

TEST_CASE("pci bar: probing an absent function changes nothing and fails") {
    FakePciConfig config;
    CHECK(probe_bar(config, Address{0, 9, 0}, 0, kGeneralBars).error() == Error::kNoDevice);
}
