#include <doctest/doctest.h>

#include "fake_ram.h"
#include "nyanos/paging/page_table.h"

using namespace nyanos;
using namespace nyanos::paging;
using namespace nyanos::test;

TEST_CASE("page table: map, translate, unmap one user page") {
    FakeRam ram(64);
    FailingFrameAllocator frames(ram);
    FakePagingEnv env{ram, frames, {}};
    PhysAddr root = frames.allocate().release_value();
    PageTable<FakePagingEnv> pt(env, root);

    PageFlags rw{.writable = true, .user = true};
    REQUIRE(pt.map(0x400000, 0x200000, rw).ok());
    auto t = pt.translate(0x400000);
    REQUIRE(t.ok());
    CHECK(t.value().phys == 0x200000);
    CHECK(t.value().flags == rw);
    CHECK(frames.outstanding() == 4);  // PML4 + PDPT + PD + PT
    CHECK(pt.map(0x400000, 0x300000, rw).error() == Error::kExists);
    CHECK(frames.outstanding() == 4);
    REQUIRE(pt.unmap(0x400000).ok());
    CHECK(!pt.translate(0x400000).ok());
}

TEST_CASE("page table: a failed map_range leaves nothing behind") {
    FakeRam ram(64);
    FailingFrameAllocator frames(ram);
    FakePagingEnv env{ram, frames, {}};
    PhysAddr root = frames.allocate().release_value();
    PageTable<FakePagingEnv> pt(env, root);
    for (size_t n = 1; n <= 8; ++n) {
        frames.fail_at(n);
        // 0x1ff000..0x201000 crosses a PT boundary: needs PDPT, PD, two PTs.
        auto r = pt.map_range(0x1ff000, 0x800000, 0x2000, PageFlags{.writable = true});
        if (r.ok()) {
            CHECK(n > 4);
            break;
        }
        CHECK(frames.outstanding() == 1);
        CHECK(!pt.translate(0x1ff000).ok());
    }
}

TEST_CASE("page table: large pages in the kernel half") {
    FakeRam ram(64);
    FailingFrameAllocator frames(ram);
    FakePagingEnv env{ram, frames, {}};
    PhysAddr root = frames.allocate().release_value();
    PageTable<FakePagingEnv> pt(env, root);
    REQUIRE(pt.map_range(0xffff800000000000, 0, 3ull << 30, PageFlags{.writable = true},
                         LargePages{.allow_2m = true, .allow_1g = true})
                .ok());
    auto t = pt.translate(0xffff800040000123);
    REQUIRE(t.ok());
    CHECK(t.value().size == PageSize::k1G);
    CHECK(t.value().phys == 0x40000000);
    CHECK(frames.outstanding() == 2);  // PML4 + PDPT
}
