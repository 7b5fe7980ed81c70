// The console input FIFO: order, full and empty, counter wrap-around.
#include <doctest/doctest.h>

#include "lib/byte_ring.h"

using namespace nyanos;

TEST_CASE("byte ring: first in, first out; refuses when full") {
    ByteRing<4> ring;
    uint8_t b = 0;
    CHECK(ring.empty());
    CHECK(!ring.pop(b));
    for (uint8_t i = 1; i <= 4; ++i) CHECK(ring.push(i));
    CHECK(!ring.push(5));
    CHECK(ring.size() == 4);
    for (uint8_t i = 1; i <= 4; ++i) {
        REQUIRE(ring.pop(b));
        CHECK(b == i);
    }
    CHECK(!ring.pop(b));
}

TEST_CASE("byte ring: keeps order across many wrap-arounds") {
    ByteRing<8> ring;
    uint8_t next_in = 0, next_out = 0, b;
    for (int round = 0; round < 100000; ++round) {
        for (int i = 0; i < round % 9; ++i)
            if (ring.push(next_in)) ++next_in;
        for (int i = 0; i < round % 7; ++i) {
            if (!ring.pop(b)) break;
            CHECK(b == next_out);
            ++next_out;
        }
        CHECK(ring.size() <= 8);
    }
}
