// fcntl's byte-range locks (fs/record_lock_table.h): conflicts between
// owners, an owner's own locks replaced, merged and cut as Linux's
// posix_lock_inode does, unlocks that cut, releases, deadlock chains, and
// a failed allocation that changes nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "failing_new.h"
#include "fs/record_lock_table.h"

using nyanos::fs::RecordLockTable;
using Kind = RecordLockTable::Kind;
constexpr uint64_t kToEnd = RecordLockTable::kToEnd;

namespace {

// An owner's locks on a file, as "R0-9 W10-19" sorted by start (the
// table's order is its own business).
std::string locks_of(const RecordLockTable& t, const void* file, const void* owner) {
    std::vector<std::pair<uint64_t, std::string>> found;
    for (const RecordLockTable::Lock* l = t.first(); l; l = l->next) {
        if (l->file != file || l->owner != owner) continue;
        std::string end = l->end == kToEnd ? "" : std::to_string(l->end);
        found.push_back({l->start, std::string(l->kind == Kind::kRead ? "R" : "W") +
                                       std::to_string(l->start) + "-" + end});
    }
    std::sort(found.begin(), found.end());
    std::string out;
    for (auto& [start, text] : found) out += (out.empty() ? "" : " ") + text;
    return out;
}

}  // namespace

TEST_CASE("record locks: read locks share, a write lock excludes other owners only") {
    RecordLockTable t;
    int file, other, a, b;
    CHECK(t.lock(&file, &a, 1, Kind::kRead, 0, 99).value());
    CHECK(t.lock(&file, &b, 2, Kind::kRead, 50, 149).value());
    CHECK(!t.lock(&file, &b, 2, Kind::kWrite, 90, 100).value());  // a reads 90-99
    CHECK(t.lock(&file, &b, 2, Kind::kWrite, 100, 120).value());  // b's own read lock: replaced
    CHECK(t.lock(&other, &a, 1, Kind::kWrite, 0, kToEnd).value());
    const RecordLockTable::Lock* c = t.conflict(&file, &a, Kind::kRead, 110, 110);
    REQUIRE(c);
    CHECK(c->owner == &b);
    CHECK(c->pid == 2);
    CHECK(c->kind == Kind::kWrite);
    CHECK(!t.conflict(&file, &a, Kind::kRead, 121, 200));  // b's read lock shares
    CHECK(t.conflict(&file, &a, Kind::kWrite, 121, 200));
    CHECK(!t.conflict(&file, &b, Kind::kWrite, 100, 120));  // its own
}

TEST_CASE("record locks: an owner's locks of one kind merge, the other kind is cut") {
    RecordLockTable t;
    int file, a;
    CHECK(t.lock(&file, &a, 1, Kind::kRead, 0, 9).value());
    CHECK(t.lock(&file, &a, 1, Kind::kRead, 10, 19).value());  // touching: merged
    CHECK(locks_of(t, &file, &a) == "R0-19");
    CHECK(t.count() == 1);
    CHECK(t.lock(&file, &a, 1, Kind::kWrite, 5, 9).value());  // cuts the read lock in two
    CHECK(locks_of(t, &file, &a) == "R0-4 W5-9 R10-19");
    CHECK(t.count() == 3);
    CHECK(t.lock(&file, &a, 1, Kind::kWrite, 8, 12).value());  // merges with W5-9, shortens R10-19
    CHECK(locks_of(t, &file, &a) == "R0-4 W5-12 R13-19");
    CHECK(t.lock(&file, &a, 1, Kind::kRead, 0, kToEnd).value());  // replaces all
    CHECK(locks_of(t, &file, &a) == "R0-");
    CHECK(t.count() == 1);
}

TEST_CASE("record locks: unlock cuts, drops and reports what it dropped") {
    RecordLockTable t;
    int file, a, b;
    CHECK(t.lock(&file, &a, 1, Kind::kWrite, 0, 99).value());
    CHECK(t.unlock(&file, &a, 40, 59).value());
    CHECK(locks_of(t, &file, &a) == "W0-39 W60-99");
    CHECK(t.count() == 2);
    CHECK(!t.unlock(&file, &a, 40, 59).value());  // nothing there now
    CHECK(!t.unlock(&file, &b, 0, kToEnd).value());
    CHECK(t.unlock(&file, &a, 30, 69).value());
    CHECK(locks_of(t, &file, &a) == "W0-29 W70-99");
    CHECK(t.unlock(&file, &a, 0, kToEnd).value());
    CHECK(t.count() == 0);
}

TEST_CASE("record locks: release drops an owner's locks on one file or on all") {
    RecordLockTable t;
    int f1, f2, a, b;
    CHECK(t.lock(&f1, &a, 1, Kind::kWrite, 0, 9).value());
    CHECK(t.lock(&f1, &a, 1, Kind::kRead, 20, 29).value());
    CHECK(t.lock(&f2, &a, 1, Kind::kWrite, 0, 9).value());
    CHECK(t.lock(&f1, &b, 2, Kind::kRead, 20, 29).value());
    CHECK(t.release(&f1, &a));
    CHECK(t.count() == 2);
    CHECK(!t.release(&f1, &a));
    CHECK(t.release(nullptr, &a));
    CHECK(t.count() == 1);
    CHECK(t.lock(&f1, &a, 1, Kind::kWrite, 0, 9).value());
}

TEST_CASE("record locks: a cycle of waiters is a deadlock, a chain is not") {
    RecordLockTable t;
    int a, b, c;
    CHECK(!t.would_deadlock(&a, &b));
    RecordLockTable::Waiter b_waits{&b, &c, nullptr};
    t.add_waiter(b_waits);
    CHECK(!t.would_deadlock(&a, &b));  // b waits for c, c for nobody
    RecordLockTable::Waiter c_waits{&c, &a, nullptr};
    t.add_waiter(c_waits);
    CHECK(t.would_deadlock(&a, &b));  // a -> b -> c -> a
    t.remove_waiter(b_waits);
    CHECK(!t.would_deadlock(&a, &b));
    // Woken waiters wait for nobody until they look again.
    t.add_waiter(b_waits);
    CHECK(t.would_deadlock(&a, &b));
    t.forget_blockers();
    CHECK(!t.would_deadlock(&a, &b));
    CHECK(b_waits.blocker == nullptr);
    t.remove_waiter(b_waits);
    t.remove_waiter(c_waits);
}

TEST_CASE("record locks: a failed allocation changes nothing") {
    RecordLockTable t;
    int file, a;
    for (size_t nth = 1; nth <= 2; ++nth) {
        nyanos::test::FailNothrowNew fail(nth);
        CHECK(t.lock(&file, &a, 1, Kind::kRead, 0, 9).error() == nyanos::Error::kNoMemory);
    }
    CHECK(t.count() == 0);
    CHECK(t.lock(&file, &a, 1, Kind::kWrite, 0, 99).value());
    {
        nyanos::test::FailNothrowNew fail(1);
        CHECK(t.unlock(&file, &a, 10, 19).error() == nyanos::Error::kNoMemory);  // a cut
    }
    CHECK(locks_of(t, &file, &a) == "W0-99");
    {
        nyanos::test::FailNothrowNew fail(1);
        CHECK(t.unlock(&file, &a, 0, 49).value());  // no cut: no allocation
    }
    CHECK(locks_of(t, &file, &a) == "W50-99");
    // A lock that cuts another in two allocates both nodes up front.
    CHECK(t.lock(&file, &a, 1, Kind::kWrite, 0, 99).value());
    for (size_t nth = 1; nth <= 2; ++nth) {
        nyanos::test::FailNothrowNew fail(nth);
        CHECK(t.lock(&file, &a, 1, Kind::kRead, 40, 49).error() == nyanos::Error::kNoMemory);
        CHECK(locks_of(t, &file, &a) == "W0-99");
    }
}
