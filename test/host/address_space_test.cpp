#include <doctest/doctest.h>

#include <string.h>

#include "fake_memory_context.h"
#include "mm/address_space.h"

using namespace nyanos;
using namespace nyanos::mm;
using nyanos::test::FakeMemoryContext;

TEST_CASE("AddressSpace: the kernel half is the kernel's, and survives destruction") {
    FakeMemoryContext ctx;
    auto* kernel = static_cast<paging::PageTableEntry*>(ctx.ram.phys_to_virt(ctx.kernel_pml4));
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        auto* pml4 = static_cast<paging::PageTableEntry*>(ctx.ram.phys_to_virt(space.root()));
        for (unsigned i = 0; i < 512; ++i) {
            if (i < 256)
                CHECK(!pml4[i].present());
            else
                CHECK(pml4[i].raw() == kernel[i].raw());
        }
        REQUIRE(space.map_anonymous(0x400000, 4, PageFlags{.writable = true}).ok());
        CHECK(space.user_frames() == 4);
        CHECK(space.table_frames() == 4);  // PML4, PDPT, PD, PT
    }
    CHECK(ctx.leaked() == 0);
    for (unsigned i = 256; i < 512; ++i) CHECK(ctx.allocator.in_use(kernel[i].address()));
}

TEST_CASE("AddressSpace: two spaces map the same vaddr to different frames") {
    FakeMemoryContext ctx;
    auto a = AddressSpace::try_create(ctx).release_value();
    auto b = AddressSpace::try_create(ctx).release_value();
    REQUIRE(a.map_anonymous(0x400000, 1, PageFlags{.writable = true}).ok());
    REQUIRE(b.map_anonymous(0x400000, 1, PageFlags{.writable = true}).ok());
    CHECK(a.translate(0x400000).value().phys != b.translate(0x400000).value().phys);
    uint32_t va = 0xa, vb = 0xb, out = 0;
    REQUIRE(a.copy_to(0x400010, &va, 4).ok());
    REQUIRE(b.copy_to(0x400010, &vb, 4).ok());
    REQUIRE(a.copy_from(&out, 0x400010, 4).ok());
    CHECK(out == 0xa);
    REQUIRE(b.copy_from(&out, 0x400010, 4).ok());
    CHECK(out == 0xb);
}

TEST_CASE("AddressSpace: the destructor returns exactly the frames the space took") {
    FakeMemoryContext ctx;
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        REQUIRE(space.map_anonymous(0x400000, 3, PageFlags{.executable = true}).ok());
        REQUIRE(space.map_anonymous(0xff0000, 16, PageFlags{.writable = true}).ok());
        REQUIRE(space.map_anonymous(0x7fff00000000, 2, PageFlags{.writable = true}).ok());
        CHECK(ctx.leaked() == space.user_frames() + space.table_frames());
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: every allocation failure in map_anonymous leaks nothing") {
    for (size_t n = 1; n <= 12; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        {
            auto created = AddressSpace::try_create(ctx);
            REQUIRE(created.ok());
            auto space = created.release_value();
            ctx.allocator.fail_at(n);
            // 0x5ff000..0x603000 crosses a page-table boundary.
            auto r = space.map_anonymous(0x5ff000, 4, PageFlags{.writable = true});
            ctx.allocator.never_fail();
            if (!r.ok()) {
                CHECK(r.error() == Error::kNoMemory);
                CHECK(space.user_frames() == 0);
                for (uint64_t va = 0x5ff000; va < 0x603000; va += 0x1000)
                    CHECK(!space.translate(va).ok());
            }
            CHECK(ctx.leaked() == space.user_frames() + space.table_frames());
        }
        CHECK(ctx.leaked() == 0);
    }
}

TEST_CASE("AddressSpace: creation under memory exhaustion") {
    FakeMemoryContext ctx;
    ctx.allocator.fail_at(1);
    auto r = AddressSpace::try_create(ctx);
    CHECK(!r.ok());
    CHECK(r.error() == Error::kNoMemory);
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: destroying the live space is a broken invariant") {
    FakeMemoryContext ctx;
    auto a = AddressSpace::try_create(ctx).release_value();
    auto b = AddressSpace::try_create(ctx).release_value();
    ctx.live = a.root();
    // Move-assignment destroys the old contents first: that must refuse.
    CHECK_THROWS_AS(a = std::move(b), nyanos::test::HostPanic);
    ctx.live = ctx.kernel_pml4;
    CHECK(a.root() != 0);
    CHECK(b.root() != 0);
}

TEST_CASE("AddressSpace: user copies reject kernel and unmapped addresses") {
    FakeMemoryContext ctx;
    auto space = AddressSpace::try_create(ctx).release_value();
    REQUIRE(space.map_anonymous(0x400000, 1, PageFlags{.writable = true}).ok());
    char buf[16] = {};
    CHECK(space.copy_from(buf, 0xffff800000000000, 8).error() == Error::kFault);
    CHECK(space.copy_from(buf, 0x401000, 8).error() == Error::kFault);
    CHECK(space.copy_from(buf, 0x400ff8, 16).error() == Error::kFault);        // runs off the page
    CHECK(space.copy_from(buf, 0x7ffffffffff8, 16).error() == Error::kFault);  // leaves the half
    CHECK(space.copy_from(buf, 0x400ff8, 8).ok());
    CHECK(space.map_anonymous(0x400001, 1, PageFlags{}).error() == Error::kInvalid);
    CHECK(space.map_anonymous(0x7ffffffff000, 2, PageFlags{}).error() == Error::kInvalid);
}
