// flock's bookkeeping (fs/flock_table.h): shared locks share, an exclusive
// one excludes, an owner's second request keeps or converts its lock (a
// conversion gives the old lock up first, as Linux's), releases, and a
// failed allocation changes nothing.
#include <doctest/doctest.h>

#include "failing_new.h"
#include "fs/flock_table.h"

using nyanos::fs::FlockTable;
using Kind = FlockTable::Kind;

TEST_CASE("flock table: shared locks share, an exclusive one excludes") {
    FlockTable t;
    int file, other_file, a, b, c;
    CHECK(t.try_lock(&file, &a, Kind::kShared).value());
    CHECK(t.try_lock(&file, &b, Kind::kShared).value());
    CHECK(!t.try_lock(&file, &c, Kind::kExclusive).value());
    CHECK(t.try_lock(&other_file, &c, Kind::kExclusive).value());  // another file
    CHECK(t.unlock(&file, &a));
    CHECK(!t.unlock(&file, &a));
    CHECK(!t.try_lock(&file, &c, Kind::kExclusive).value());  // b still shares it
    CHECK(t.release_owner(&b));
    CHECK(t.try_lock(&file, &c, Kind::kExclusive).value());
    CHECK(!t.try_lock(&file, &a, Kind::kShared).value());
    CHECK(t.count() == 2);
}

TEST_CASE("flock table: the same owner keeps its kind, converts the other, may lose it") {
    FlockTable t;
    int file, a, b;
    CHECK(t.try_lock(&file, &a, Kind::kExclusive).value());
    CHECK(t.try_lock(&file, &a, Kind::kExclusive).value());
    CHECK(t.count() == 1);
    CHECK(t.try_lock(&file, &a, Kind::kShared).value());  // downgrade
    CHECK(t.count() == 1);
    CHECK(t.try_lock(&file, &b, Kind::kShared).value());
    // An upgrade with another sharer: refused, and the old lock is gone.
    CHECK(!t.try_lock(&file, &a, Kind::kExclusive).value());
    CHECK(t.count() == 1);
    CHECK(!t.unlock(&file, &a));
}

TEST_CASE("flock table: a failed allocation changes nothing") {
    FlockTable t;
    int file, a;
    {
        nyanos::test::FailNothrowNew fail(1);
        CHECK(t.try_lock(&file, &a, Kind::kShared).error() == nyanos::Error::kNoMemory);
    }
    CHECK(t.count() == 0);
    CHECK(t.try_lock(&file, &a, Kind::kShared).value());
}
