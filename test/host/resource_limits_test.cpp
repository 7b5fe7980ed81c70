// Resource limits: Linux 6.1's initial values and the rules of do_prlimit;
// a process's table (proc/process_resources.h): defaults until the first
// change, inheritance, the old value returned.
#include <doctest/doctest.h>

#include "lib/resource_limits.h"
#include "proc/process_resources.h"

using namespace nyanos;
using rlimit::kInfinity;
using rlimit::Limit;

TEST_CASE("rlimit: Linux's initial limits") {
    rlimit::Table t = rlimit::defaults(512ull << 20);
    CHECK(t.limits[rlimit::kStack] == Limit{8ull << 20, kInfinity});
    CHECK(t.limits[rlimit::kCore] == Limit{0, kInfinity});
    CHECK(t.limits[rlimit::kNofile] == Limit{1024, 4096});
    CHECK(t.limits[rlimit::kAs] == Limit{kInfinity, kInfinity});
    CHECK(t.limits[rlimit::kCpu] == Limit{kInfinity, kInfinity});
    CHECK(t.limits[rlimit::kData] == Limit{kInfinity, kInfinity});
    CHECK(t.limits[rlimit::kFsize] == Limit{kInfinity, kInfinity});
    CHECK(t.limits[rlimit::kMemlock] == Limit{8ull << 20, 8ull << 20});
    CHECK(t.limits[rlimit::kMsgqueue] == Limit{819200, 819200});
    CHECK(t.limits[rlimit::kNice] == Limit{0, 0});
    CHECK(t.limits[rlimit::kRtprio] == Limit{0, 0});
    CHECK(t.limits[rlimit::kRttime] == Limit{kInfinity, kInfinity});
    // max_threads = 512 MiB / (8 * 16 KiB) = 4096; NPROC is half of it.
    CHECK(t.limits[rlimit::kNproc] == Limit{2048, 2048});
    CHECK(t.limits[rlimit::kSigpending] == Limit{2048, 2048});
    // Tiny memory: at least 20 threads.
    CHECK(rlimit::defaults(0).limits[rlimit::kNproc] == Limit{10, 10});
    CHECK(rlimit::defaults(4ull << 30).limits[rlimit::kNproc] == Limit{16384, 16384});
}

TEST_CASE("rlimit: the rules of a change") {
    Limit old{1024, 4096};
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{2048, 4096}, false).ok());
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{4096, 4096}, false).ok());
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{10, 20}, false).ok());  // lowering
    // Soft above hard: EINVAL, privileged or not.
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{4097, 4096}, true).error() ==
          Error::kInvalid);
    CHECK(rlimit::check_change(rlimit::kStack, Limit{}, Limit{kInfinity, 1}, true).error() ==
          Error::kInvalid);
    // Raising the hard limit needs CAP_SYS_RESOURCE.
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{1024, 8192}, false).error() ==
          Error::kPermission);
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{1024, 8192}, true).ok());
    // NOFILE never above fs.nr_open, even for root.
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{1024, rlimit::kNrOpen}, true).ok());
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{1024, rlimit::kNrOpen + 1}, true)
              .error() == Error::kPermission);
    CHECK(rlimit::check_change(rlimit::kNofile, old, Limit{kInfinity, kInfinity}, true).error() ==
          Error::kPermission);
    CHECK(rlimit::check_change(rlimit::kStack, Limit{8 << 20, kInfinity},
                               Limit{kInfinity, kInfinity}, false)
              .ok());
}

TEST_CASE("process resources: limits start at the defaults, change, and are inherited") {
    proc::init_default_limits(512ull << 20);
    proc::ProcessResources parent;
    CHECK(parent.limit(rlimit::kNofile) == Limit{1024, 4096});

    // Reading (next = nullptr) changes nothing and returns the value.
    auto read = parent.exchange_limit(rlimit::kStack, nullptr, false);
    REQUIRE(read.ok());
    CHECK(read.value() == Limit{8ull << 20, kInfinity});

    Limit smaller{256, 512};
    auto old = parent.exchange_limit(rlimit::kNofile, &smaller, false);
    REQUIRE(old.ok());
    CHECK(old.value() == Limit{1024, 4096});
    CHECK(parent.limit(rlimit::kNofile) == smaller);
    CHECK(parent.limit(rlimit::kStack) == Limit{8ull << 20, kInfinity});  // others stay

    // Refused changes leave the limit alone.
    Limit back_up{256, 4096};
    CHECK(parent.exchange_limit(rlimit::kNofile, &back_up, false).error() == Error::kPermission);
    Limit inverted{600, 512};
    CHECK(parent.exchange_limit(rlimit::kNofile, &inverted, true).error() == Error::kInvalid);
    CHECK(parent.limit(rlimit::kNofile) == smaller);
    CHECK(parent.exchange_limit(rlimit::kNofile, &back_up, true).ok());  // root may
    CHECK(parent.limit(rlimit::kNofile) == back_up);

    proc::ProcessResources child;
    REQUIRE(child.inherit(parent).ok());
    CHECK(child.limit(rlimit::kNofile) == back_up);
    // The child's table is its own.
    Limit child_limit{100, 200};
    REQUIRE(child.exchange_limit(rlimit::kNofile, &child_limit, false).ok());
    CHECK(parent.limit(rlimit::kNofile) == back_up);

    // A parent that never changed a limit: the child has the defaults too.
    proc::ProcessResources fresh, fresh_child;
    REQUIRE(fresh_child.inherit(fresh).ok());
    CHECK(fresh_child.limit(rlimit::kNofile) == Limit{1024, 4096});
}

TEST_CASE("process resources: umask and IDs are inherited") {
    proc::ProcessResources parent;
    CHECK(parent.umask() == 022);
    CHECK(parent.exchange_umask(0777077) == 022);  // only the permission bits are kept
    CHECK(parent.umask() == 077);
    REQUIRE(parent
                .change_credentials([](creds::Credentials& c) {
                    return creds::set_id(c.gid, 100, creds::privileged(c));
                })
                .ok());
    proc::ProcessResources child;
    REQUIRE(child.inherit(parent).ok());
    CHECK(child.umask() == 077);
    CHECK(child.credentials().gid == creds::IdSet{100, 100, 100, 100});
    CHECK(child.credentials().uid == creds::IdSet{0, 0, 0, 0});
}

TEST_CASE("process resources: children's CPU time and peak memory add up at reap") {
    proc::ProcessResources grandchild, child, parent;
    grandchild.note_resident_pages(300);
    child.note_resident_pages(50);
    child.note_resident_pages(20);  // a smaller sample keeps the peak
    CHECK(child.peak_resident_pages() == 50);
    child.add_reaped_child(grandchild, proc::CpuTicks{7, 3});
    CHECK(child.children_ticks().user == 7);
    CHECK(child.children_ticks().system == 3);
    CHECK(child.children_peak_resident_pages() == 300);
    parent.add_reaped_child(child, proc::CpuTicks{10, 20});
    // The child's own time and its reaped children's; the largest peak.
    CHECK(parent.children_ticks().user == 17);
    CHECK(parent.children_ticks().system == 23);
    CHECK(parent.children_peak_resident_pages() == 300);
    CHECK(parent.peak_resident_pages() == 0);
}
