// The second root of an address space under page-table isolation: its
// user half always equals the root's, its kernel half is the template's,
// and both roots are freed with the space on every path.
#include <doctest/doctest.h>

#include <stdint.h>

#include <random>

#include "fake_memory_context.h"
#include "mm/address_space.h"

using namespace nyanos;
using namespace nyanos::mm;
using nyanos::test::FakeMemoryContext;

namespace {

const paging::PageTableEntry* entries(FakeMemoryContext& ctx, paging::PhysAddr root) {
    return static_cast<const paging::PageTableEntry*>(ctx.ram.phys_to_virt(root));
}

// Whether the two roots' user halves are equal entry for entry.
bool user_halves_equal(FakeMemoryContext& ctx, const AddressSpace& space) {
    const auto* kernel = entries(ctx, space.root());
    const auto* user = entries(ctx, space.user_root());
    for (unsigned i = 0; i < paging::kFirstKernelPml4Index; ++i)
        if (kernel[i].raw() != user[i].raw()) return false;
    return true;
}

constexpr PageFlags kRw{.writable = true};

}  // namespace

TEST_CASE("User root: absent without a template, as before") {
    FakeMemoryContext ctx;
    auto space = AddressSpace::try_create(ctx).release_value();
    CHECK(space.user_root() == 0);
    CHECK(space.user_cr3() == 0);
    CHECK(space.table_frames() == 1);
}

TEST_CASE("User root: the template's kernel half, the root's user half") {
    FakeMemoryContext ctx;
    ctx.enable_user_roots();
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        REQUIRE(space.user_root() != 0);
        CHECK(space.user_root() != space.root());
        CHECK(space.user_cr3() == space.user_root());
        CHECK(space.table_frames() == 2);
        const auto* user = entries(ctx, space.user_root());
        const auto* templ = entries(ctx, ctx.user_template);
        for (unsigned i = paging::kFirstKernelPml4Index; i < 512; ++i)
            CHECK(user[i].raw() == templ[i].raw());
        CHECK(user[511].present());
        CHECK(!user[256].present());  // nothing of the direct map
        for (unsigned i = 0; i < paging::kFirstKernelPml4Index; ++i) CHECK(!user[i].present());
        // Two 512 GiB slots: two PML4 entries, mirrored.
        REQUIRE(space.map_anonymous(0x400000, 2, kRw).ok());
        REQUIRE(space.map_anonymous(0x7f0000000000, 1, kRw).ok());
        CHECK(user[0].present());
        CHECK(user[paging::pml4_index(0x7f0000000000)].present());
        CHECK(user_halves_equal(ctx, space));
        CHECK(ctx.leaked() == space.user_frames() + space.table_frames());
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("User root: a failing allocation at every step of creation leaks nothing") {
    for (size_t n = 1; n <= 3; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        ctx.enable_user_roots();
        ctx.allocator.fail_at(n);
        {
            auto created = AddressSpace::try_create(ctx);
            ctx.allocator.never_fail();
            if (n <= 2) CHECK(!created.ok());
            if (created.ok()) CHECK(created.value().user_root() != 0);
        }
        CHECK(ctx.leaked() == 0);
    }
}

TEST_CASE("User root: user halves stay equal after random maps, moves, unmaps, forks and failures") {
    std::mt19937_64 rng(16);
    for (int round = 0; round < 30; ++round) {
        CAPTURE(round);
        FakeMemoryContext ctx(4096);
        ctx.enable_user_roots();
        {
            auto space = AddressSpace::try_create(ctx).release_value();
            for (int k = 0; k < 16; ++k) {
                CAPTURE(k);
                // Near one place, or anywhere in the user half (other PML4 slots).
                uint64_t va = (rng() % 2) ? 0x400000 + (rng() % 4096) * 0x1000
                                          : (rng() % (kUserMappableEnd / 0x1000 - 4)) * 0x1000;
                size_t pages = 1 + rng() % 4;
                if (rng() % 4 == 0) ctx.allocator.fail_at(1 + rng() % 5);
                switch (rng() % 4) {
                    case 0:
                        (void)space.map_anonymous(va, pages, kRw);
                        break;
                    case 3: {
                        // mremap's move, to anywhere in the user half.
                        uint64_t to = (rng() % (kUserMappableEnd / 0x1000 - 4)) * 0x1000;
                        space.unmap_range(to, pages);
                        (void)space.move_range(va, to, pages);
                        break;
                    }
                    case 1: {
                        uint8_t bytes[16] = {1, 2, 3};
                        (void)space.map_copy(va, bytes, sizeof(bytes), kRw);
                        break;
                    }
                    default:
                        space.unmap_range(va, pages);
                        break;
                }
                ctx.allocator.never_fail();
                REQUIRE(user_halves_equal(ctx, space));
            }
            // fork: the child's tables are created by share_range_into,
            // failing at some allocation or not.
            auto child = AddressSpace::try_create(ctx).release_value();
            if (rng() % 2) ctx.allocator.fail_at(1 + rng() % 6);
            bool downgraded = false;
            (void)space.share_range_into(child, 0x1000, kUserMappableEnd, true, downgraded);
            ctx.allocator.never_fail();
            CHECK(user_halves_equal(ctx, child));
            CHECK(user_halves_equal(ctx, space));
        }
        CHECK(ctx.leaked() == 0);
    }
}

TEST_CASE("User root: moving a space moves both roots") {
    FakeMemoryContext ctx;
    ctx.enable_user_roots();
    {
        auto a = AddressSpace::try_create(ctx).release_value();
        paging::PhysAddr user = a.user_root();
        AddressSpace b(static_cast<AddressSpace&&>(a));
        CHECK(a.user_root() == 0);
        CHECK(b.user_root() == user);
        AddressSpace c;
        c = static_cast<AddressSpace&&>(b);
        CHECK(c.user_root() == user);
    }
    CHECK(ctx.leaked() == 0);
}
