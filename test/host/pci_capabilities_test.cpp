// The capability-list walk (lib/pci_capabilities.h): normal chains, and
// chains a broken or hostile device could present: cycles, pointers into
// the header, a function that vanished, random bytes.
#include <doctest/doctest.h>

#include <random>

#include "fake_pci_config.h"
#include "lib/pci_capabilities.h"

using namespace nyanos;
using namespace nyanos::pci;
using nyanos::test::FakeFunction;
using nyanos::test::FakePciConfig;

namespace {

constexpr Address kDev{0, 4, 0};

FakeFunction& with_capabilities(FakePciConfig& config, uint8_t first) {
    FakeFunction& f = config.add(kDev, 0x1b36, 0x000d, 0x0c0330);
    f.set16(kStatus, kStatusCapabilities);
    f.set8(kCapabilityPointer, first);
    return f;
}

void link(FakeFunction& f, uint8_t at, uint8_t id, uint8_t next) {
    f.set8(at, id);
    f.set8(uint16_t(at + 1), next);
}

}  // namespace

TEST_CASE("pci caps: a chain is listed in order and searched") {
    FakePciConfig config;
    FakeFunction& f = with_capabilities(config, 0x40);
    link(f, 0x40, kCapabilityPowerManagement, 0x90);
    link(f, 0x90, kCapabilityMsix, 0x50);
    link(f, 0x50, kCapabilityMsi, 0x00);
    Capability caps[8];
    auto n = list_capabilities(config, kDev, caps, 8);
    REQUIRE(n.ok());
    REQUIRE(n.value() == 3);
    CHECK(caps[0].offset == 0x40);
    CHECK(caps[1].id == kCapabilityMsix);
    CHECK(caps[1].offset == 0x90);
    CHECK(caps[2].offset == 0x50);
    CHECK(find_capability(config, kDev, kCapabilityMsi).value() == 0x50);
    CHECK(find_capability(config, kDev, kCapabilityPciExpress).error() == Error::kNoEntry);
    // Fewer slots than capabilities: the count says how many there are.
    CHECK(list_capabilities(config, kDev, caps, 1).value() == 3);
}

TEST_CASE("pci caps: without the status bit there is no list") {
    FakePciConfig config;
    FakeFunction& f = with_capabilities(config, 0x40);
    link(f, 0x40, kCapabilityMsi, 0);
    f.set16(kStatus, 0);
    Capability caps[2];
    CHECK(list_capabilities(config, kDev, caps, 2).value() == 0);
    CHECK(find_capability(config, kDev, kCapabilityMsi).error() == Error::kNoEntry);
}

TEST_CASE("pci caps: reserved pointer bits are ignored") {
    FakePciConfig config;
    FakeFunction& f = with_capabilities(config, 0x43);
    link(f, 0x40, kCapabilityMsi, 0x52);
    link(f, 0x50, kCapabilityMsix, 0x03);
    Capability caps[4];
    CHECK(list_capabilities(config, kDev, caps, 4).value() == 2);
}

TEST_CASE("pci caps: malformed chains end the walk with kCorrupt") {
    FakePciConfig config;
    FakeFunction& f = with_capabilities(config, 0x40);
    Capability caps[64];
    SUBCASE("a cycle of two") {
        link(f, 0x40, kCapabilityPowerManagement, 0x50);
        link(f, 0x50, kCapabilityVendor, 0x40);
        CHECK(list_capabilities(config, kDev, caps, 64).error() == Error::kCorrupt);
        CHECK(find_capability(config, kDev, kCapabilityMsi).error() == Error::kCorrupt);
        // What comes before the cycle is still found.
        CHECK(find_capability(config, kDev, kCapabilityVendor).value() == 0x50);
    }
    SUBCASE("a capability pointing at itself") {
        link(f, 0x40, kCapabilityPowerManagement, 0x40);
        CHECK(list_capabilities(config, kDev, caps, 64).error() == Error::kCorrupt);
    }
    SUBCASE("a pointer into the header") {
        link(f, 0x40, kCapabilityPowerManagement, 0x10);
        CHECK(find_capability(config, kDev, kCapabilityMsi).error() == Error::kCorrupt);
        f.set8(kCapabilityPointer, 0x3c);
        CHECK(list_capabilities(config, kDev, caps, 64).error() == Error::kCorrupt);
    }
    SUBCASE("a function that reads all ones") {
        f.set16(0x40, 0xffff);
        CHECK(list_capabilities(config, kDev, caps, 64).error() == Error::kCorrupt);
    }
}

TEST_CASE("pci caps: the longest chain (every dword) is walked to the end") {
    FakePciConfig config;
    FakeFunction& f = with_capabilities(config, 0x40);
    for (unsigned at = 0x40; at < 0x100; at += 4)
        link(f, uint8_t(at), kCapabilityVendor, at + 4 < 0x100 ? uint8_t(at + 4) : 0);
    Capability caps[kMaxCapabilities];
    CHECK(list_capabilities(config, kDev, caps, kMaxCapabilities).value() == kMaxCapabilities);
}

TEST_CASE("pci caps: random configuration spaces never hang or read out of bounds") {
    std::mt19937 random(15);
    for (int round = 0; round < 2000; ++round) {
        FakePciConfig config;
        FakeFunction& f = config.add(kDev, 0x1234, 0x5678, 0);
        for (unsigned i = 0; i < 256; ++i) f.bytes[i] = uint8_t(random());
        f.set16(kVendorId, 0x1234);
        f.set16(kStatus, kStatusCapabilities);
        Capability caps[kMaxCapabilities];
        auto n = list_capabilities(config, kDev, caps, kMaxCapabilities);
        if (n.ok()) CHECK(n.value() <= kMaxCapabilities);
        // One read of the status and pointer each, then one per entry.
        CHECK(config.m_reads <= 2 + kMaxCapabilities);
    }
}
