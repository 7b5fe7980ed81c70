// MSI and MSI-X programming (lib/pci_msi.h): the messages for a local APIC,
// the registers written in a fake configuration space, the MSI-X table in
// an array standing in for the mapped BAR, and tables a hostile device
// places outside its BAR.
#include <doctest/doctest.h>

#include <vector>

#include "fake_pci_config.h"
#include "lib/pci_msi.h"

using namespace nyanos;
using namespace nyanos::pci;
using nyanos::test::FakeFunction;
using nyanos::test::FakePciConfig;

namespace {

constexpr Address kDev{0, 4, 0};

}  // namespace

TEST_CASE("msi: a message for a local APIC") {
    auto m = lapic_message(3, 0x41);
    REQUIRE(m.ok());
    CHECK(m.value().address == 0xfee03000);
    CHECK(m.value().data == 0x41);
    CHECK(lapic_message(0, 31).error() == Error::kInvalid);
    CHECK(lapic_message(256, 0x41).error() == Error::kInvalid);
}

TEST_CASE("msi: a 32-bit capability") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x8086, 0x100e, 0x020000);
    f.set16(kCommand, kCommandMemory);
    f.set16(0x52, 0x0070);  // multiple message enable set, 32-bit, no masking
    enable_msi(config, kDev, 0x50, lapic_message(1, 0x30).value());
    CHECK(f.get(0x54, 4) == 0xfee01000);
    CHECK(f.get(0x58, 2) == 0x30);
    CHECK(f.get(0x52, 2) == 0x0001);  // one vector, on
    CHECK(f.get(kCommand, 2) == (kCommandMemory | kCommandInterruptDisable));
}

TEST_CASE("msi: a 64-bit capability with per-vector masking") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x8086, 0x100e, 0x020000);
    f.set16(0x52, 0x0180);
    f.set32(0x60, 0xffffffff);  // every vector masked
    enable_msi(config, kDev, 0x50, lapic_message(2, 0x31).value());
    CHECK(f.get(0x54, 4) == 0xfee02000);
    CHECK(f.get(0x58, 4) == 0);
    CHECK(f.get(0x5c, 2) == 0x31);
    CHECK(f.get(0x60, 4) == 0xfffffffe);
    CHECK(f.get(0x52, 2) == 0x0181);
}

TEST_CASE("msix: the table is read, checked against its BAR and programmed") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x1b36, 0x000d, 0x0c0330);
    f.set16(0x92, 0x0007);      // 8 entries
    f.set32(0x94, 0x3000 | 0);  // BAR 0, offset 0x3000
    auto table = read_msix(config, kDev, 0x90);
    REQUIRE(table.ok());
    CHECK(table.value().bar == 0);
    CHECK(table.value().offset == 0x3000);
    CHECK(table.value().entries == 8);

    Bar bar0{BarKind::kMemory64, 0, false, 0xfebf0000, 0x4000};
    CHECK(check_msix_table(table.value(), bar0).ok());
    Bar small{BarKind::kMemory64, 0, false, 0xfebf0000, 0x3040};
    CHECK(check_msix_table(table.value(), small).error() == Error::kCorrupt);
    Bar io{BarKind::kIo, 0, false, 0xc000, 0x4000};
    CHECK(check_msix_table(table.value(), io).error() == Error::kCorrupt);
    Bar other{BarKind::kMemory32, 1, false, 0xfebf0000, 0x4000};
    CHECK(check_msix_table(table.value(), other).error() == Error::kCorrupt);

    std::vector<uint32_t> entries(8 * 4, 0);
    auto message = lapic_message(0, 0x40).value();
    REQUIRE(enable_msix(config, kDev, 0x90, table.value(), entries.data(), 2, message).ok());
    CHECK(entries[2 * 4 + 0] == 0xfee00000);
    CHECK(entries[2 * 4 + 1] == 0);
    CHECK(entries[2 * 4 + 2] == 0x40);
    CHECK(entries[2 * 4 + 3] == 0);  // unmasked
    for (unsigned i = 0; i < 8; ++i)
        if (i != 2) CHECK(entries[i * 4 + 3] == 1);
    CHECK(f.get(0x92, 2) == 0x8007);  // on, function unmasked
    CHECK((f.get(kCommand, 2) & kCommandInterruptDisable) != 0);
    CHECK(enable_msix(config, kDev, 0x90, table.value(), entries.data(), 8, message).error() ==
          Error::kRange);
}

TEST_CASE("msix: a BIR that names no BAR, an offset past the BAR") {
    FakePciConfig config;
    FakeFunction& f = config.add(kDev, 0x1b36, 0x000d, 0x0c0330);
    f.set32(0x94, 0x6);
    CHECK(read_msix(config, kDev, 0x90).error() == Error::kCorrupt);
    f.set16(0x92, 0x07ff);  // 2048 entries
    f.set32(0x94, 0xfffffff8 | 1);
    auto table = read_msix(config, kDev, 0x90);
    REQUIRE(table.ok());
    Bar bar1{BarKind::kMemory32, 1, false, 0xfe000000, 0x1000};
    CHECK(check_msix_table(table.value(), bar1).error() == Error::kCorrupt);
}
