// Regression tests for bugs the libFuzzer targets (test/fuzz/) found, each
// reduced to the smallest input that showed it.
#include <doctest/doctest.h>
#include <stdint.h>

#include "nyanos/boot/memory_map.h"

using namespace nyanos::boot;
using nyanos::boot::MemoryType;

namespace {

void check_normalized(const MemoryRegion* r, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        CHECK(r[i].length > 0);
        CHECK(r[i].base % 4096 == 0);
        CHECK(r[i].length % 4096 == 0);
        CHECK(r[i].base + r[i].length > r[i].base);  // no wrap
        if (i > 0) CHECK(r[i - 1].base + r[i - 1].length <= r[i].base);
    }
}

}  // namespace

// multiboot2 fuzz target: a region trimmed behind a stricter one moved past a
// region not yet seen; the next cut then computed a prev length below zero,
// so the kernel would have been handed a region wrapping the address space.
TEST_CASE("memory map: a trimmed region is re-sorted before the next overlap") {
    MemoryRegion r[] = {
        {0x63010000, 0xa0000, MemoryType::kUsable, 0},
        {0x100000, 0x7f0000000, MemoryType::kUsable, 0},
        {0x8000000, 0x0100000000100000, MemoryType::kBadMemory, 0},
        {0, 0x80000000, MemoryType::kReserved, 0},
    };
    size_t n = normalize_memory_map(r, 4);
    check_normalized(r, n);
    REQUIRE(n == 2);
    CHECK(r[0].base == 0);
    CHECK(r[0].type == MemoryType::kReserved);
    CHECK(r[1].base == 0x8000000);
    CHECK(r[1].type == MemoryType::kBadMemory);
}

TEST_CASE("memory map: a region pushed past several later ones keeps the list sorted") {
    MemoryRegion r[] = {
        {0x0, 0x10000, MemoryType::kReserved, 0},
        {0x1000, 0x20000, MemoryType::kUsable, 0},  // trimmed to start at 0x10000
        {0x2000, 0x1000, MemoryType::kUsable, 0},
        {0x4000, 0x1000, MemoryType::kAcpiNvs, 0},
        {0x30000, 0x1000, MemoryType::kUsable, 0},
    };
    size_t n = normalize_memory_map(r, 5);
    check_normalized(r, n);
    // [0, 0x10000) reserved (it is stricter than the NVS page inside it), then
    // usable from 0x10000 to 0x21000, then the lone usable page. Before the fix
    // the NVS page cut the already emitted usable region back to a negative
    // length.
    bool found_usable_tail = false;
    for (size_t i = 0; i < n; ++i)
        if (r[i].type == MemoryType::kUsable && r[i].base == 0x10000 && r[i].length == 0x11000)
            found_usable_tail = true;
    CHECK(found_usable_tail);
}
