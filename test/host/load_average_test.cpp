// The load averages: Linux's calc_load in fixed point.
#include <doctest/doctest.h>

#include "lib/load_average.h"

using namespace nyanos;

TEST_CASE("load average: rises towards a steady load, reaches it, decays back") {
    LoadAverage load;
    load.sample(1);
    // 1 - 1884/2048 of the way, rounded down after Linux's round-up term.
    CHECK(load.average(0) == 164);
    CHECK(load.average(1) == 34);
    CHECK(load.average(2) == 11);
    for (int i = 0; i < 2000; ++i) load.sample(1);
    for (unsigned i = 0; i < 3; ++i) CHECK(load.average(i) == LoadAverage::kOne);
    for (int i = 0; i < 12; ++i) load.sample(0);  // one minute idle
    CHECK(load.average(0) < load.average(1));
    CHECK(load.average(1) < load.average(2));
    CHECK(load.average(0) < LoadAverage::kOne / 2);  // e^-1 of the way back
    CHECK(load.average(0) > LoadAverage::kOne / 3);
    for (int i = 0; i < 5000; ++i) load.sample(0);
    for (unsigned i = 0; i < 3; ++i) CHECK(load.average(i) == 0);
    for (int i = 0; i < 2000; ++i) load.sample(3);
    CHECK(load.average(2) == 3 * LoadAverage::kOne);
}
