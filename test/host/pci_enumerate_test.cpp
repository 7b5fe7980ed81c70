// PCI enumeration (lib/pci_enumerate.h) over a fake configuration space:
// slots, multi-function devices, bridges depth first, and configuration
// spaces that describe loops, duplicate buses or bridges everywhere.
#include <doctest/doctest.h>

#include <vector>

#include "fake_pci_config.h"
#include "lib/pci_enumerate.h"

using namespace nyanos;
using namespace nyanos::pci;
using nyanos::test::FakePciConfig;

namespace {

std::vector<Function> walk(FakePciConfig& config, EnumerationStats* stats = nullptr,
                           BusRange range = {}, size_t capacity = 64) {
    std::vector<Function> found(capacity);
    auto result = enumerate(config, range, found.data(), capacity);
    REQUIRE(result.ok());
    found.resize(result.value().kept);
    if (stats) *stats = result.value();
    return found;
}

}  // namespace

TEST_CASE("pci: an empty bus has no functions") {
    FakePciConfig config;
    EnumerationStats stats;
    CHECK(walk(config, &stats).empty());
    CHECK(stats.buses == 1);
    CHECK(stats.functions == 0);
}

TEST_CASE("pci: a q35-like bus 0, multi-function slots included") {
    FakePciConfig config;
    config.add({0, 0, 0}, 0x8086, 0x29c0, 0x060000);
    config.add({0, 4, 0}, 0x1b36, 0x000d, 0x0c0330).set8(kInterruptPin, 1);
    config.add({0, 0x1f, 0}, 0x8086, 0x2918, 0x060100, kHeaderMultiFunction);
    config.add({0, 0x1f, 2}, 0x8086, 0x2922, 0x010601);
    config.add({0, 0x1f, 3}, 0x8086, 0x2930, 0x0c0500);
    auto found = walk(config);
    REQUIRE(found.size() == 5);
    CHECK(found[1].address == Address{0, 4, 0});
    CHECK(found[1].vendor == 0x1b36);
    CHECK(found[1].device == 0x000d);
    CHECK(found[1].class_triplet() == 0x0c0330);
    CHECK(found[1].revision == 1);
    CHECK(found[1].interrupt_pin == 1);
    CHECK(found[2].multi_function);
    CHECK(found[2].header_type == 0);  // the multi-function bit is not part of the type
    CHECK(found[3].address == Address{0, 0x1f, 2});
    CHECK(found[4].address == Address{0, 0x1f, 3});
}

TEST_CASE("pci: functions 1..7 of a single-function slot are not looked at") {
    FakePciConfig config;
    config.add({0, 3, 0}, 0x1234, 0x1111, 0x020000);
    // Some devices decode every function number as function 0.
    config.add({0, 3, 1}, 0x1234, 0x1111, 0x020000);
    CHECK(walk(config).size() == 1);
}

TEST_CASE("pci: empty-slot answers of all zeros or all ones in either half") {
    FakePciConfig config;
    config.add({0, 1, 0}, 0x0000, 0x0000, 0);
    config.add({0, 2, 0}, 0xffff, 0x1234, 0);
    config.add({0, 3, 0}, 0x1234, 0xffff, 0);
    config.add({0, 5, 0}, 0x1234, 0x0000, 0);
    config.add({0, 6, 0}, 0x1af4, 0x1000, 0x020000);
    auto found = walk(config);
    REQUIRE(found.size() == 1);
    CHECK(found[0].address == Address{0, 6, 0});
    CHECK(read_function(config, Address{0, 1, 0}).error() == Error::kNoDevice);
    CHECK(read_function(config, Address{0, 32, 0}).error() == Error::kInvalid);
    CHECK(read_function(config, Address{0, 0, 8}).error() == Error::kInvalid);
}

TEST_CASE("pci: bridges are followed depth first") {
    FakePciConfig config;
    config.add({0, 0, 0}, 0x8086, 0x29c0, 0x060000);
    config.bridge({0, 1, 0}, 1, 2);
    config.bridge({0, 2, 0}, 3, 3);
    config.add({0, 3, 0}, 0x1af4, 0x1000, 0x020000);
    config.bridge({1, 0, 0}, 2, 2);
    config.add({1, 1, 0}, 0x1b36, 0x000d, 0x0c0330);
    config.add({2, 0, 0}, 0x1b36, 0x0010, 0x010802);
    config.add({3, 0, 0}, 0x8086, 0x10d3, 0x020000);
    EnumerationStats stats;
    auto found = walk(config, &stats);
    REQUIRE(found.size() == 8);
    CHECK(stats.buses == 4);
    CHECK(stats.bridges_skipped == 0);
    // Bus 0 in slot order, then bus 1 (the first bridge's), its child bus 2,
    // then bus 3 (the second bridge's).
    CHECK(found[3].address == Address{0, 3, 0});
    CHECK(found[4].address == Address{1, 0, 0});
    CHECK(found[4].secondary_bus == 2);
    CHECK(found[5].address == Address{1, 1, 0});
    CHECK(found[6].address == Address{2, 0, 0});
    CHECK(found[7].address == Address{3, 0, 0});
}

TEST_CASE("pci: a bridge loop or a repeated bus is scanned once") {
    FakePciConfig config;
    config.bridge({0, 1, 0}, 1, 1);
    config.bridge({0, 2, 0}, 1, 1);  // the same secondary bus again
    config.bridge({1, 0, 0}, 0, 0);  // back to bus 0
    config.bridge({1, 1, 0}, 1, 1);  // to itself
    config.bridge({1, 2, 0}, 0x20, 0x20);
    config.bridge({0x20, 0, 0}, 1, 1);  // above its parent, but seen already
    EnumerationStats stats;
    auto found = walk(config, &stats);
    CHECK(stats.buses == 3);
    CHECK(stats.functions == 6);
    CHECK(stats.bridges_skipped == 4);
    for (auto [bus, calls] : config.m_reach_calls) CHECK(calls == 1);
}

TEST_CASE("pci: bridges everywhere end after 256 buses") {
    // Every function of four slots per bus is a bridge to the next bus (the
    // fake's 4 KiB per function keeps it to four slots).
    FakePciConfig config;
    for (unsigned bus = 0; bus < 256; ++bus) {
        for (uint8_t device = 0; device < 4; ++device) {
            for (uint8_t function = 0; function < 8; ++function) {
                auto& f = config.bridge({uint8_t(bus), device, function}, uint8_t(bus + 1),
                                        uint8_t(bus + 1));
                f.set8(kHeaderType, kHeaderBridge | kHeaderMultiFunction);
            }
        }
    }
    EnumerationStats stats;
    std::vector<Function> out(16);
    auto result = enumerate(config, BusRange{}, out.data(), out.size());
    REQUIRE(result.ok());
    stats = result.value();
    CHECK(stats.buses == 256);
    CHECK(stats.kept == 16);
    CHECK(stats.functions == 256 * 4 * 8);
    CHECK(stats.bridges_skipped == 256 * 4 * 8 - 255);
    for (auto [bus, calls] : config.m_reach_calls) CHECK(calls == 1);
}

TEST_CASE("pci: the bus range bounds the walk") {
    FakePciConfig config;
    config.bridge({4, 0, 0}, 5, 5);
    config.bridge({4, 1, 0}, 9, 9);
    config.add({5, 0, 0}, 0x1af4, 0x1000, 0x020000);
    config.add({9, 0, 0}, 0x1af4, 0x1000, 0x020000);
    EnumerationStats stats;
    auto found = walk(config, &stats, BusRange{4, 8});
    CHECK(found.size() == 3);
    CHECK(stats.bridges_skipped == 1);
    std::vector<Function> out(4);
    CHECK(enumerate(config, BusRange{5, 4}, out.data(), out.size()).error() == Error::kInvalid);
}

TEST_CASE("pci: an unreachable bus is skipped, functions beyond capacity counted") {
    FakePciConfig config;
    config.bridge({0, 1, 0}, 1, 1);
    config.add({1, 0, 0}, 0x1af4, 0x1000, 0x020000);
    for (uint8_t d = 2; d < 10; ++d) config.add({0, d, 0}, 0x1af4, 0x1000, 0x020000);
    config.m_unreachable.insert(1);
    EnumerationStats stats;
    auto found = walk(config, &stats, BusRange{}, 4);
    CHECK(found.size() == 4);
    CHECK(stats.functions == 9);
    CHECK(stats.buses == 1);
}
