// KernelStackArea over fake RAM: guard pages, slot reuse, and all-or-nothing
// allocation with the frame allocator failing at every N.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "fake_ram.h"
#include "mm/kernel_stack_area.h"
#include "nyanos/paging/page_table.h"

using namespace nyanos;
using namespace nyanos::paging;
using namespace nyanos::test;
using nyanos::mm::KernelStackArea;

namespace {

constexpr VirtAddr kArea = 0xffffc00000000000ull;

struct Fixture {
    Fixture()
        : ram(1024), frames(ram), env{ram, frames, {}}, pt(env, frames.allocate().release_value()) {
        REQUIRE(pt.populate_kernel_half().ok());
        baseline = frames.outstanding();
    }
    FakeRam ram;
    FailingFrameAllocator frames;
    FakePagingEnv env;
    PageTable<FakePagingEnv> pt;
    size_t baseline = 0;
};

}  // namespace

TEST_CASE("kernel stacks: mapped below the top, guard page below, freed completely") {
    Fixture f;
    KernelStackArea area(kArea, 16);
    // Up to three 4 KiB pages per stack (threads use two), a guard page below.
    static_assert(KernelStackArea::kMaxStackPages == 3);
    static_assert(KernelStackArea::kSlotsPerTable == 128);
    auto top = area.allocate(f.pt, f.frames, 2);
    REQUIRE(top.ok());
    CHECK(top.value() == kArea + KernelStackArea::kSlotSize);
    CHECK(top.value() % 16 == 0);
    for (int i = 1; i <= 2; ++i) {
        auto t = f.pt.translate(top.value() - i * kPageSize);
        REQUIRE(t.ok());
        CHECK(t.value().flags == PageFlags{.writable = true});
        CHECK(f.frames.in_use(t.value().phys));
    }
    CHECK(f.pt.translate(top.value() - 3 * kPageSize).error() == Error::kNoEntry);  // guard
    CHECK(f.pt.translate(top.value()).error() == Error::kNoEntry);  // the next slot's guard area
    CHECK(area.pages_of(top.value()) == 2);
    CHECK(area.live_stacks() == 1);
    // PD + PT for the area, plus 2 frames.
    CHECK(f.frames.outstanding() == f.baseline + 2 + 2);

    area.free(f.pt, f.frames, top.value());
    // The region's page table goes with its last stack; the PD above stays.
    CHECK(f.frames.outstanding() == f.baseline + 1);
    CHECK(f.pt.translate(top.value() - kPageSize).error() == Error::kNoEntry);
    CHECK(area.pages_of(top.value()) == 0);
    CHECK(area.live_stacks() == 0);
    // Every page was invalidated when it went.
    for (int i = 1; i <= 2; ++i)
        CHECK(std::count(f.env.invalidated.begin(), f.env.invalidated.end(),
                         top.value() - i * kPageSize) == 1);
}

TEST_CASE("kernel stacks: sizes, exhaustion and slot reuse") {
    Fixture f;
    KernelStackArea area(kArea, 3);
    CHECK(area.allocate(f.pt, f.frames, 0).error() == Error::kInvalid);
    CHECK(area.allocate(f.pt, f.frames, KernelStackArea::kMaxStackPages + 1).error() ==
          Error::kInvalid);
    auto a = area.allocate(f.pt, f.frames, KernelStackArea::kMaxStackPages);
    auto b = area.allocate(f.pt, f.frames, 1);
    auto c = area.allocate(f.pt, f.frames, 1);
    REQUIRE((a.ok() && b.ok() && c.ok()));
    // The largest stack still has its guard page.
    CHECK(f.pt.translate(a.value() - KernelStackArea::kSlotSize).error() == Error::kNoEntry);
    size_t before = f.frames.outstanding();
    CHECK(area.allocate(f.pt, f.frames, 1).error() == Error::kNoMemory);
    CHECK(f.frames.outstanding() == before);
    area.free(f.pt, f.frames, b.value());
    auto d = area.allocate(f.pt, f.frames, 1);
    REQUIRE(d.ok());
    CHECK(d.value() == b.value());
    // Bad frees are kernel bugs.
    CHECK_THROWS_AS(area.free(f.pt, f.frames, b.value() + 16), HostPanic);
    CHECK_THROWS_AS(area.free(f.pt, f.frames, kArea), HostPanic);
    area.free(f.pt, f.frames, a.value());
    CHECK_THROWS_AS(area.free(f.pt, f.frames, a.value()), HostPanic);  // double free
    area.free(f.pt, f.frames, c.value());
    area.free(f.pt, f.frames, d.value());
    CHECK(area.live_stacks() == 0);
    CHECK(f.frames.outstanding() == f.baseline + 1);
}

TEST_CASE("kernel stacks: a region's page table is freed with its last stack, not before") {
    Fixture f;
    const size_t per_table = KernelStackArea::kSlotsPerTable;
    KernelStackArea area(kArea, per_table + 1);
    std::vector<VirtAddr> tops;
    for (size_t i = 0; i < per_table + 1; ++i)
        tops.push_back(area.allocate(f.pt, f.frames, 1).value());
    // Two regions: PD + two PTs + one frame per stack.
    CHECK(f.frames.outstanding() == f.baseline + 3 + per_table + 1);
    area.free(f.pt, f.frames, tops[per_table]);  // the second region's only stack
    CHECK(f.frames.outstanding() == f.baseline + 2 + per_table);
    for (size_t i = 0; i + 1 < per_table; ++i) area.free(f.pt, f.frames, tops[i]);
    CHECK(f.frames.outstanding() == f.baseline + 2 + 1);  // one stack left: its table stays
    CHECK(f.pt.translate(tops[per_table - 1] - kPageSize).ok());
    area.free(f.pt, f.frames, tops[per_table - 1]);
    CHECK(f.frames.outstanding() == f.baseline + 1);
    // Reuse after the table went: a fresh table is made.
    auto again = area.allocate(f.pt, f.frames, 1);
    REQUIRE(again.ok());
    CHECK(f.frames.outstanding() == f.baseline + 2 + 1);
    area.free(f.pt, f.frames, again.value());
    CHECK(f.frames.outstanding() == f.baseline + 1);
}

TEST_CASE("kernel stacks: allocation is all or nothing with the allocator failing at every N") {
    for (bool and_after : {true, false}) {
        for (size_t pages : {size_t(1), size_t(2), size_t(3)}) {
            bool succeeded = false;
            for (size_t n = 1; n <= pages + 4 && !succeeded; ++n) {
                Fixture f;
                KernelStackArea area(kArea, 8);
                f.frames.fail_at(n, and_after);
                auto top = area.allocate(f.pt, f.frames, pages);
                f.frames.never_fail();
                if (top.ok()) {
                    // Frames first (pages), then the PD and PT of the first map.
                    CHECK(n == pages + 3);
                    succeeded = true;
                    area.free(f.pt, f.frames, top.value());
                    CHECK(f.frames.outstanding() == f.baseline + 1);
                    continue;
                }
                INFO("pages ", pages, " failing at ", n);
                CHECK(top.error() == Error::kNoMemory);
                CHECK(f.frames.outstanding() == f.baseline);
                CHECK(area.live_stacks() == 0);
                for (size_t i = 0; i <= KernelStackArea::kSlotPages; ++i)
                    CHECK(f.pt.translate(kArea + i * kPageSize).error() == Error::kNoEntry);
                // The slot is usable afterwards.
                auto again = area.allocate(f.pt, f.frames, pages);
                REQUIRE(again.ok());
                CHECK(again.value() == kArea + KernelStackArea::kSlotSize);
            }
            CHECK(succeeded);
        }
    }
}

TEST_CASE("kernel stacks: detach unmaps but keeps the slot until release") {
    Fixture f;
    KernelStackArea area(kArea, 2);
    auto a = area.allocate(f.pt, f.frames, 1).release_value();
    auto b = area.allocate(f.pt, f.frames, 1).release_value();
    PhysAddr frames[KernelStackArea::kMaxStackPages];
    PhysAddr a_frame = f.pt.translate(a - kPageSize).value().phys;
    size_t pages = area.detach(f.pt, a, frames);
    CHECK(pages == 1);
    CHECK(frames[0] == a_frame);
    CHECK(f.pt.translate(a - kPageSize).error() == Error::kNoEntry);
    CHECK(f.frames.in_use(a_frame));  // not freed: another CPU may still cache it
    // Both slots taken: a detached slot is not handed out again.
    CHECK(area.allocate(f.pt, f.frames, 1).error() == Error::kNoMemory);
    CHECK_THROWS_AS(area.detach(f.pt, a, frames), HostPanic);  // detached twice
    area.release(f.pt, f.frames, a, frames, pages);
    CHECK(!f.frames.in_use(a_frame));
    CHECK(area.pages_of(a) == 0);
    auto again = area.allocate(f.pt, f.frames, 1);
    REQUIRE(again.ok());
    CHECK(again.value() == a);
    area.free(f.pt, f.frames, again.value());
    area.free(f.pt, f.frames, b);
    CHECK(area.live_stacks() == 0);
    CHECK(f.frames.outstanding() ==
          f.baseline + 1);  // the PD stays; the PT went with the last stack
}
