// Supplementary groups (proc/group_list.h) and the per-process extras that
// hold them with the I/O priority and timer slack (ProcessResources):
// sorting, sharing with a fork child, the slack's fork rule, and
// allocation failure at every step.
#include <doctest/doctest.h>

#include "failing_new.h"
#include "proc/group_list.h"
#include "proc/process_resources.h"

using namespace nyanos;
using namespace nyanos::proc;

namespace {

GroupList* make(std::initializer_list<uint32_t> ids) {
    GroupList* g = GroupList::create(uint32_t(ids.size()));
    REQUIRE(g);
    uint32_t i = 0;
    for (uint32_t id : ids) g->ids()[i++] = id;
    g->sort();
    return g;
}

}  // namespace

TEST_CASE("group list: sorted, duplicates kept, searchable") {
    GroupList* g = make({9, 3, 7, 3, 0, 4294967295u, 1});
    REQUIRE(g->count() == 7);
    const uint32_t want[] = {0, 1, 3, 3, 7, 9, 4294967295u};
    for (uint32_t i = 0; i < 7; ++i) CHECK(g->ids()[i] == want[i]);
    CHECK(g->contains(3));
    CHECK(g->contains(4294967295u));
    CHECK(!g->contains(2));
    CHECK(!g->contains(10));
    GroupList::release(g);

    GroupList* empty = GroupList::create(0);
    REQUIRE(empty);
    empty->sort();
    CHECK(!empty->contains(0));
    GroupList::release(empty);
    GroupList::release(nullptr);

    // A large reversed list sorts (heap sort: no recursion).
    GroupList* big = GroupList::create(kNgroupsMax);
    REQUIRE(big);
    for (uint32_t i = 0; i < kNgroupsMax; ++i) big->ids()[i] = kNgroupsMax - 1 - i;
    big->sort();
    bool ordered = true;
    for (uint32_t i = 0; i < kNgroupsMax; ++i) ordered = ordered && big->ids()[i] == i;
    CHECK(ordered);
    GroupList::release(big);
}

TEST_CASE("process resources: groups, timer slack and I/O priority, inherited by fork") {
    ProcessResources parent;
    CHECK(parent.groups() == nullptr);
    CHECK(parent.timer_slack() == kDefaultTimerSlackNs);
    CHECK(int(parent.ioprio()) == 0);
    REQUIRE(parent.set_groups(make({5, 2})).ok());
    REQUIRE(parent.set_timer_slack(1234).ok());
    REQUIRE(parent.set_ioprio((2 << 13) | 6).ok());
    GroupList* seen = parent.groups();
    REQUIRE(seen);
    CHECK(seen->count() == 2);
    CHECK(seen->ids()[0] == 2);
    GroupList::release(seen);

    ProcessResources child;
    REQUIRE(child.inherit(parent).ok());
    GroupList* shared = child.groups();
    REQUIRE(shared);
    CHECK(shared->count() == 2);
    GroupList::release(shared);
    CHECK(child.timer_slack() == 1234);
    CHECK(int(child.ioprio()) == ((2 << 13) | 6));
    // The child's default slack is what its parent had: 0 goes back to it.
    REQUIRE(child.set_timer_slack(99).ok());
    REQUIRE(child.set_timer_slack(0).ok());
    CHECK(child.timer_slack() == 1234);
    REQUIRE(parent.set_timer_slack(0).ok());
    CHECK(parent.timer_slack() == kDefaultTimerSlackNs);
    // setgroups in the child leaves the parent's alone; none clears.
    REQUIRE(child.set_groups(nullptr).ok());
    CHECK(child.groups() == nullptr);
    seen = parent.groups();
    REQUIRE(seen);
    CHECK(seen->count() == 2);
    GroupList::release(seen);
}

TEST_CASE("process resources: the extras' allocation failing at every N leaks nothing") {
    for (size_t n = 1; n <= 3; ++n) {
        ProcessResources parent, child;
        GroupList* g = make({1, 2, 3});
        test::FailNothrowNew fail(n);
        // 1: the parent's extras; 2: the child's copy at fork; 3: the
        // child's own after that is never needed (set on existing extras).
        auto set = parent.set_groups(g);
        if (!set.ok()) {
            CHECK(set.error() == Error::kNoMemory);
            CHECK(parent.groups() == nullptr);
            continue;
        }
        auto inherited = child.inherit(parent);
        if (!inherited.ok()) {
            CHECK(inherited.error() == Error::kNoMemory);
            continue;
        }
        CHECK(child.set_timer_slack(5).ok());
        GroupList* seen = child.groups();
        CHECK(seen != nullptr);
        GroupList::release(seen);
    }
}
