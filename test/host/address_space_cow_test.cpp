// The AddressSpace primitives the VM layer builds on: the leaf walk,
// copy-on-write breaks, permission changes that never grant write to a
// shared page, and sharing a range with another space by reference count.
#include <doctest/doctest.h>

#include <stdint.h>
#include <string.h>

#include <vector>

#include "fake_memory_context.h"
#include "mm/address_space.h"

using namespace nyanos;
using namespace nyanos::mm;
using nyanos::test::FailingFrameAllocator;
using nyanos::test::FakeMemoryContext;
using nyanos::test::FakePagingEnv;
using nyanos::test::FakeRam;

namespace {

constexpr uint64_t kPage = paging::kPageSize;
constexpr PageFlags kRw{.writable = true};
constexpr PageFlags kRo{};

AddressSpace make_space(FakeMemoryContext& ctx) {
    auto r = AddressSpace::try_create(ctx);
    REQUIRE(r.ok());
    return r.release_value();
}

uint64_t read_word(AddressSpace& space, VirtAddr va) {
    uint64_t v = 0;
    REQUIRE(space.copy_from(&v, va, sizeof(v)).ok());
    return v;
}

// Writes through the direct map, as a user write would once the page is writable.
void write_word(AddressSpace& space, VirtAddr va, uint64_t v) {
    auto t = space.translate(va);
    REQUIRE(t.ok());
    REQUIRE(t.value().flags.writable);
    memcpy(space.context().phys_to_virt(t.value().phys + va % kPage), &v, sizeof(v));
}

}  // namespace

TEST_CASE("page table: for_each_leaf visits present leaves in order and may clear them") {
    FakeRam ram(256);
    FailingFrameAllocator frames(ram);
    FakePagingEnv env{ram, frames, {}};
    paging::PageTable<FakePagingEnv> pt(env, frames.allocate().release_value());
    const VirtAddr vas[] = {0x400000, 0x401000, 0x5ff000, 0x600000, 0x7fff0000f000};
    for (VirtAddr va : vas) REQUIRE(pt.map(va, 0x200000 + (va & 0xfffff), kRw).ok());
    std::vector<VirtAddr> seen;
    pt.for_each_leaf(0, 0x800000000000,
                     [&](VirtAddr va, paging::PageTableEntry& e, paging::PageSize size) {
                         CHECK(size == paging::PageSize::k4K);
                         CHECK(e.present());
                         seen.push_back(va);
                     });
    CHECK(seen == std::vector<VirtAddr>(std::begin(vas), std::end(vas)));
    // A sub-range, ends exclusive.
    seen.clear();
    pt.for_each_leaf(
        0x401000, 0x600000,
        [&](VirtAddr va, paging::PageTableEntry&, paging::PageSize) { seen.push_back(va); });
    CHECK(seen == std::vector<VirtAddr>{0x401000, 0x5ff000});
    // Clearing through the reference unmaps.
    pt.for_each_leaf(0x5ff000, 0x601000,
                     [&](VirtAddr, paging::PageTableEntry& e, paging::PageSize) {
                         e = paging::PageTableEntry();
                     });
    CHECK(!pt.translate(0x5ff000).ok());
    CHECK(!pt.translate(0x600000).ok());
    CHECK(pt.translate(0x401000).ok());
    // Bad ranges visit nothing.
    size_t visits = 0;
    auto count = [&](VirtAddr, paging::PageTableEntry&, paging::PageSize) { ++visits; };
    pt.for_each_leaf(0x401000, 0x401000, count);
    pt.for_each_leaf(0x401800, 0x402000, count);
    pt.for_each_leaf(0x7ffffffff000, 0xffff800000001000, count);
    CHECK(visits == 0);
}

TEST_CASE("page table: replace swaps the frame of a 4 KiB leaf in one step") {
    FakeRam ram(256);
    FailingFrameAllocator frames(ram);
    FakePagingEnv env{ram, frames, {}};
    paging::PageTable<FakePagingEnv> pt(env, frames.allocate().release_value());
    REQUIRE(pt.map(0x400000, 0x200000, kRo).ok());
    env.invalidated.clear();
    auto old = pt.replace(0x400000, 0x300000, kRw);
    REQUIRE(old.ok());
    CHECK(old.value().phys == 0x200000);
    CHECK(!old.value().flags.writable);
    CHECK(pt.translate(0x400000).value().phys == 0x300000);
    CHECK(pt.translate(0x400000).value().flags.writable);
    CHECK(env.invalidated == std::vector<VirtAddr>{0x400000});
    CHECK(pt.replace(0x401000, 0x300000, kRw).error() == Error::kNoEntry);
    CHECK(pt.replace(0x400000, 0x300800, kRw).error() == Error::kInvalid);
    REQUIRE(pt.map(0x800000, 0x400000, kRw, paging::PageSize::k2M).ok());
    CHECK(pt.replace(0x800000, 0x300000, kRw).error() == Error::kInvalid);
}

TEST_CASE("AddressSpace: unmap_range over a huge sparse range visits only what is mapped") {
    FakeMemoryContext ctx;
    {
        auto space = make_space(ctx);
        REQUIRE(space.map_anonymous(0x10000, 2, kRw).ok());
        REQUIRE(space.map_anonymous(0x7ffffff00000, 3, kRw).ok());
        ctx.invalidated.clear();
        ctx.live = space.root();
        // 128 TiB minus a page: a page-by-page walk would not finish.
        space.unmap_range(0, kUserMappableEnd / kPage);
        CHECK(space.user_frames() == 0);
        CHECK(ctx.invalidated.size() == 5);
        ctx.live = ctx.kernel_pml4;
        // Outside the user half, or unaligned: ignored.
        REQUIRE(space.map_anonymous(0x10000, 1, kRw).ok());
        space.unmap_range(0x10800, 1);
        space.unmap_range(0x10000, ~size_t(0));
        CHECK(space.user_frames() == 1);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: map_copy maps a private copy of up to a page, zero-filled after") {
    FakeMemoryContext ctx;
    {
        auto space = make_space(ctx);
        const char text[] = "file bytes";
        REQUIRE(space.map_copy(0x400000, text, sizeof(text), kRo).ok());
        char back[sizeof(text)] = {};
        REQUIRE(space.copy_from(back, 0x400000, sizeof(back)).ok());
        CHECK(memcmp(back, text, sizeof(text)) == 0);
        CHECK(read_word(space, 0x400ff8) == 0);
        CHECK(!space.translate(0x400000).value().flags.writable);
        CHECK(space.user_frames() == 1);
        CHECK(space.map_copy(0x400000, text, 1, kRo).error() == Error::kExists);
        CHECK(space.map_copy(0x401000, text, kPage + 1, kRo).error() == Error::kInvalid);
        CHECK(space.user_frames() == 1);
        for (size_t n = 1; n <= 4; ++n) {
            ctx.allocator.fail_at(n);
            auto r = space.map_copy(0x5ff000, text, 4, kRw);
            ctx.allocator.never_fail();
            if (r.ok()) {
                space.unmap_range(0x5ff000, 1);
            } else {
                CHECK(!space.translate(0x5ff000).ok());
            }
            CHECK(space.user_frames() == 1);
        }
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: break_copy_on_write keeps an unshared frame, copies a shared one") {
    FakeMemoryContext ctx;
    {
        auto space = make_space(ctx);
        REQUIRE(space.map_anonymous(0x400000, 1, kRo).ok());
        paging::PhysAddr frame = space.translate(0x400000).value().phys;
        // Alone: the same frame, now writable.
        REQUIRE(space.break_copy_on_write(0x400000, kRo).ok());
        CHECK(space.translate(0x400000).value().phys == frame);
        CHECK(space.translate(0x400000).value().flags.writable);
        write_word(space, 0x400010, 0x1234);

        // Shared (another holder took a reference): a copy replaces it.
        ctx.add_references(&frame, 1);
        size_t outstanding = ctx.allocator.outstanding();
        REQUIRE(space.break_copy_on_write(0x400000, PageFlags{.executable = false}).ok());
        paging::PhysAddr copy = space.translate(0x400000).value().phys;
        CHECK(copy != frame);
        CHECK(ctx.allocator.references(frame) == 1);  // the other holder's
        CHECK(ctx.allocator.outstanding() == outstanding + 1);
        CHECK(read_word(space, 0x400010) == 0x1234);
        write_word(space, 0x400010, 0x5678);
        uint64_t in_old = 0;
        memcpy(&in_old, static_cast<uint8_t*>(ctx.ram.phys_to_virt(frame)) + 0x10, 8);
        CHECK(in_old == 0x1234);
        CHECK(space.user_frames() == 1);
        ctx.free_frame(frame, FrameUse::kUser);

        CHECK(space.break_copy_on_write(0x401000, kRw).error() == Error::kNoEntry);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE(
    "AddressSpace: break_copy_on_write copies a borrowed page and changes nothing on ENOMEM") {
    FakeMemoryContext ctx;
    paging::PhysAddr file = ctx.allocator.allocate().release_value();
    memset(ctx.ram.phys_to_virt(file), 0x5a, kPage);
    {
        auto space = make_space(ctx);
        REQUIRE(space.map_borrowed(0x400000, file, 1, kRo).ok());
        ctx.allocator.fail_at(1);
        CHECK(space.break_copy_on_write(0x400000, kRw).error() == Error::kNoMemory);
        ctx.allocator.never_fail();
        CHECK(space.translate(0x400000).value().phys == file);
        CHECK(space.borrowed_pages() == 1);
        REQUIRE(space.break_copy_on_write(0x400000, kRw).ok());
        auto t = space.translate(0x400000).value();
        CHECK(t.phys != file);
        CHECK(!t.flags.borrowed);
        CHECK(space.borrowed_pages() == 0);
        CHECK(space.user_frames() == 1);
        CHECK(read_word(space, 0x400ff8) == 0x5a5a5a5a5a5a5a5aull);
        write_word(space, 0x400000, 0);
        CHECK(static_cast<uint8_t*>(ctx.ram.phys_to_virt(file))[0] == 0x5a);
    }
    ctx.allocator.free(file);
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: protect_range grants write only where allowed, never to borrowed pages") {
    FakeMemoryContext ctx;
    paging::PhysAddr file = ctx.allocator.allocate().release_value();
    {
        auto space = make_space(ctx);
        REQUIRE(space.map_anonymous(0x400000, 2, kRo).ok());
        REQUIRE(space.map_anonymous(0x402000, 1, kRw).ok());
        REQUIRE(space.map_borrowed(0x403000, file, 1, kRo).ok());
        auto flags = [&](VirtAddr va) { return space.translate(va).value().flags; };

        // Private pages: write stays as it was.
        space.protect_range(0x400000, 4, PageFlags{.writable = true, .executable = true}, false);
        CHECK(!flags(0x400000).writable);
        CHECK(flags(0x400000).executable);
        CHECK(flags(0x402000).writable);
        CHECK(!flags(0x403000).writable);
        CHECK(flags(0x403000).borrowed);
        // Removing write always works.
        space.protect_range(0x400000, 4, kRo, false);
        CHECK(!flags(0x402000).writable);
        CHECK(!flags(0x402000).executable);
        // Granting (shared mappings): everything but the borrowed page.
        space.protect_range(0x400000, 4, kRw, true);
        CHECK(flags(0x400000).writable);
        CHECK(flags(0x402000).writable);
        CHECK(!flags(0x403000).writable);
        // PROT_NONE keeps the frame, out of user reach.
        paging::PhysAddr frame = space.translate(0x400000).value().phys;
        space.protect_range(0x400000, 1, PageFlags{.user = false}, false);
        CHECK(!flags(0x400000).user);
        CHECK(space.translate(0x400000).value().phys == frame);
        CHECK(space.user_frames() == 3);
    }
    ctx.allocator.free(file);
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: share_range_into shares frames by count, copy-on-write on both sides") {
    FakeMemoryContext ctx;
    paging::PhysAddr file = ctx.allocator.allocate().release_value();
    {
        auto parent = make_space(ctx);
        REQUIRE(parent.map_borrowed(0x400000, file, 1, PageFlags{.executable = true}).ok());
        REQUIRE(parent.map_anonymous(0x401000, 3, kRw).ok());
        REQUIRE(parent.map_anonymous(0x7ff000, 1, kRo).ok());
        write_word(parent, 0x401000, 111);
        ctx.live = parent.root();
        ctx.flushed_roots.clear();

        auto child = make_space(ctx);
        bool downgraded = false;
        REQUIRE(parent.share_range_into(child, 0x400000, 0x800000, true, downgraded).ok());
        CHECK(downgraded);
        CHECK(ctx.flushed_roots.empty());
        parent.flush_tlb();
        CHECK(ctx.flushed_roots == std::vector<paging::PhysAddr>{parent.root()});
        CHECK(child.user_frames() == 4);
        CHECK(child.borrowed_pages() == 1);
        for (VirtAddr va = 0x401000; va < 0x404000; va += kPage) {
            auto p = parent.translate(va).value();
            auto c = child.translate(va).value();
            CHECK(p.phys == c.phys);
            CHECK(!p.flags.writable);
            CHECK(!c.flags.writable);
            CHECK(ctx.allocator.references(p.phys) == 2);
        }
        CHECK(child.translate(0x400000).value().flags.borrowed);
        CHECK(child.translate(0x400000).value().flags.executable);
        CHECK(ctx.allocator.references(file) == 1);  // borrowed pages take no reference

        // The child writes: its own copy; the parent still sees 111.
        REQUIRE(child.break_copy_on_write(0x401000, kRw).ok());
        write_word(child, 0x401000, 222);
        CHECK(read_word(parent, 0x401000) == 111);
        // The parent writes: the frame is now its alone, kept.
        paging::PhysAddr before = parent.translate(0x401000).value().phys;
        CHECK(ctx.allocator.references(before) == 1);
        REQUIRE(parent.break_copy_on_write(0x401000, kRw).ok());
        CHECK(parent.translate(0x401000).value().phys == before);

        // Without copy-on-write (a shared mapping) entries stay writable.
        auto sibling = make_space(ctx);
        downgraded = false;
        REQUIRE(parent.share_range_into(sibling, 0x401000, 0x402000, false, downgraded).ok());
        CHECK(sibling.translate(0x401000).value().flags.writable);
        CHECK(sibling.translate(0x401000).value().phys == before);
        CHECK(!downgraded);
        CHECK(ctx.allocator.references(before) == 2);
        ctx.live = ctx.kernel_pml4;
    }
    CHECK(ctx.allocator.references(file) == 1);
    ctx.allocator.free(file);
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("AddressSpace: share_range_into at every failing allocation leaks nothing") {
    for (size_t n = 1; n <= 40; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        {
            auto parent = make_space(ctx);
            // Pages in four page tables, more than one batch of references.
            for (VirtAddr va : {0x400000ull, 0x5ff000ull, 0x40000000ull, 0x7fffffe00000ull})
                REQUIRE(parent.map_anonymous(va, 20, kRw).ok());
            size_t parent_frames = parent.user_frames();
            size_t held = ctx.allocator.outstanding();
            {
                auto child = make_space(ctx);
                ctx.allocator.fail_at(n);
                bool downgraded = false;
                auto r = parent.share_range_into(child, 0, kUserMappableEnd, true, downgraded);
                ctx.allocator.never_fail();
                if (r.ok()) CHECK(child.user_frames() == parent_frames);
                CHECK(parent.user_frames() == parent_frames);
            }
            // Child gone: every reference it took is back, no frame lost.
            CHECK(ctx.allocator.outstanding() == held);
            for (VirtAddr va : {0x400000ull, 0x5ff000ull, 0x40000000ull, 0x7fffffe00000ull})
                for (size_t i = 0; i < 20; ++i)
                    CHECK(ctx.allocator.references(parent.translate(va + i * kPage).value().phys) ==
                          1);
        }
        CHECK(ctx.leaked() == 0);
    }
}
