// AlignedBlock (kernel/lib/aligned_block.h): alignment, ownership, moves.
// ASan's leak check and double-free detection cover the frees.
#include <doctest/doctest.h>

#include <string.h>

#include <utility>
#include <vector>

#include "lib/aligned_block.h"

using nyanos::AlignedBlock;
using nyanos::Error;

TEST_CASE("aligned block: the data starts at the alignment and holds every byte") {
    for (size_t alignment : {1, 16, 64, 256, 4096}) {
        for (size_t bytes : {1, 63, 64, 512, 832, 2688, 5000}) {
            auto block = AlignedBlock::try_allocate(bytes, alignment);
            REQUIRE(block.ok());
            uint8_t* data = block.value().data();
            REQUIRE(data != nullptr);
            CHECK(reinterpret_cast<uintptr_t>(data) % alignment == 0);
            memset(data, 0x5a, bytes);  // ASan: all of it is ours
        }
    }
}

TEST_CASE("aligned block: bad requests are kInvalid") {
    CHECK(AlignedBlock::try_allocate(0, 64).error() == Error::kInvalid);
    CHECK(AlignedBlock::try_allocate(64, 0).error() == Error::kInvalid);
    CHECK(AlignedBlock::try_allocate(64, 48).error() == Error::kInvalid);
    CHECK(AlignedBlock::try_allocate(64, 8192).error() == Error::kInvalid);
    CHECK(AlignedBlock::try_allocate(SIZE_MAX, 64).error() == Error::kInvalid);
}

TEST_CASE("aligned block: moves hand over the one allocation") {
    AlignedBlock empty;
    CHECK(empty.data() == nullptr);
    auto made = AlignedBlock::try_allocate(832, 64);
    REQUIRE(made.ok());
    AlignedBlock a = made.release_value();
    uint8_t* data = a.data();
    AlignedBlock b(std::move(a));
    CHECK(a.data() == nullptr);
    CHECK(b.data() == data);
    AlignedBlock c;
    c = std::move(b);
    CHECK(b.data() == nullptr);
    CHECK(c.data() == data);
    // Assigning over a live block frees the old one (ASan would report the leak).
    auto other = AlignedBlock::try_allocate(100, 64);
    REQUIRE(other.ok());
    c = other.release_value();
    CHECK(c.data() != nullptr);
    std::vector<AlignedBlock> many;
    for (int i = 0; i < 10; ++i) many.push_back(AlignedBlock::try_allocate(64, 64).release_value());
}
