// find_low_frames (mm/low_memory.h): frames below 1 MiB for the AP start-up
// code, chosen from the handoff's memory map.
#include <doctest/doctest.h>

#include <vector>

#include "mm/low_memory.h"

using namespace nyanos;
using namespace nyanos::mm;
using boot::MemoryRegion;
using boot::MemoryType;

namespace {

std::vector<paging::PhysAddr> pick(const std::vector<MemoryRegion>& map, size_t count) {
    std::vector<paging::PhysAddr> out(count + 1, 0xdead);
    size_t n = find_low_frames(map.data(), map.size(), out.data(), count);
    CHECK(out[count] == 0xdead);  // never writes past `count`
    out.resize(n);
    return out;
}

}  // namespace

TEST_CASE("find_low_frames: a BIOS-like map gives the top of conventional memory") {
    std::vector<MemoryRegion> map = {
        {0x0, 0x9f000, MemoryType::kUsable, 0},
        {0x9f000, 0x1000, MemoryType::kReserved, 0},  // EBDA
        {0xf0000, 0x10000, MemoryType::kReserved, 0},
        {0x100000, 0x7f00000, MemoryType::kUsable, 0},
    };
    auto frames = pick(map, 5);
    REQUIRE(frames.size() == 5);
    CHECK(frames[0] == 0x9e000);
    CHECK(frames[4] == 0x9a000);
}

TEST_CASE("find_low_frames: loader data, reserved and partial regions are avoided") {
    std::vector<MemoryRegion> map = {
        {0x1000, 0x4000, MemoryType::kUsable, 0},            // 0x1000..0x4fff
        {0x5000, 0x3000, MemoryType::kBootReclaimable, 0},   // the MBI
        {0x8000, 0x2000, MemoryType::kUsable, 0},            // 0x8000..0x9fff
        {0x9000, 0x1000, MemoryType::kKernelAndModules, 0},  // overlaps: not usable
        {0x80000, 0x40000, MemoryType::kUsable, 0},          // crosses the ceiling
    };
    auto frames = pick(map, 64 + 8);
    // 0x80000..0x9ffff (32 frames below the ceiling), 0x8000, 0x4000..0x1000.
    REQUIRE(frames.size() == 32 + 1 + 4);
    CHECK(frames[0] == 0x9f000);
    CHECK(frames[31] == 0x80000);
    CHECK(frames[32] == 0x8000);
    CHECK(frames[33] == 0x4000);
    CHECK(frames[36] == 0x1000);
}

TEST_CASE("find_low_frames: frame 0, nothing usable, order-independent maps") {
    CHECK(pick({{0x0, 0x1000, MemoryType::kUsable, 0}}, 4).empty());
    CHECK(pick({{0x100000, 0x100000, MemoryType::kUsable, 0}}, 4).empty());
    CHECK(pick({}, 4).empty());
    std::vector<MemoryRegion> unsorted = {
        {0x100000, 0x100000, MemoryType::kUsable, 0},
        {0x10000, 0x2000, MemoryType::kUsable, 0},
        {0x0, 0x1000, MemoryType::kReserved, 0},
    };
    auto frames = pick(unsorted, 4);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0] == 0x11000);
    CHECK(frames[1] == 0x10000);
    CHECK(pick(unsorted, 0).empty());
}
