#include <doctest/doctest.h>

#include <stdint.h>
#include <string.h>

#include <random>
#include <vector>

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

TEST_CASE("AddressSpace: tables are freed only when no CPU has the space loaded") {
    FakeMemoryContext ctx;  // this CPU (live) and another (other_cpu_root)
    size_t before = ctx.allocator.outstanding();
    {
        auto a = AddressSpace::try_create(ctx).release_value();
        REQUIRE(a.map_anonymous(0x400000, 2, PageFlags{.writable = true}).ok());
        auto b = AddressSpace::try_create(ctx).release_value();
        // Not live here, but the other CPU still runs on it (it ran the
        // process and has not switched since): destroying it must refuse.
        ctx.other_cpu_root = a.root();
        CHECK_THROWS_AS(a = std::move(b), nyanos::test::HostPanic);
        CHECK(a.user_frames() == 2);  // nothing was freed
        // The other CPU moves to the kernel's root (an idle CPU does): now it may go.
        ctx.other_cpu_root = ctx.kernel_pml4;
        a = std::move(b);
        CHECK(a.user_frames() == 0);
    }
    CHECK(ctx.allocator.outstanding() == before);
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

// ---- Borrowed mappings and teardown over several extents ----

namespace {

// Frames that belong to someone else (the ramdisk, in the kernel): taken
// from the fake allocator by the test, filled with a pattern, and checked to
// be still allocated and unchanged after the space has done its worst.
struct ForeignPages {
    ForeignPages(FakeMemoryContext& ctx, size_t count) : ctx(ctx) {
        for (size_t i = 0; i < count; ++i) {
            paging::PhysAddr frame = ctx.allocator.allocate().release_value();
            if (!frames.empty()) REQUIRE(frame == frames.back() + paging::kPageSize);
            frames.push_back(frame);
            auto* bytes = static_cast<uint8_t*>(ctx.ram.phys_to_virt(frame));
            for (size_t b = 0; b < paging::kPageSize; ++b) bytes[b] = uint8_t(i * 31 + b * 7 + 1);
            expected.insert(expected.end(), bytes, bytes + paging::kPageSize);
        }
    }
    ~ForeignPages() {
        for (paging::PhysAddr f : frames) ctx.allocator.free(f);
    }

    paging::PhysAddr phys(size_t i = 0) const { return frames[i]; }
    size_t count() const { return frames.size(); }

    // Still owned by us (never freed by the space) and never written.
    void check_untouched() const {
        for (size_t i = 0; i < frames.size(); ++i) {
            CAPTURE(i);
            CHECK(ctx.allocator.in_use(frames[i]));
            CHECK(memcmp(ctx.ram.phys_to_virt(frames[i]), expected.data() + i * paging::kPageSize,
                         paging::kPageSize) == 0);
        }
    }

    FakeMemoryContext& ctx;
    std::vector<paging::PhysAddr> frames;
    std::vector<uint8_t> expected;
};

constexpr PageFlags kRx{.executable = true};
constexpr PageFlags kRo{};
constexpr PageFlags kRw{.writable = true};

}  // namespace

TEST_CASE("AddressSpace: map_borrowed maps foreign frames read-only, and never frees them") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 3);
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        REQUIRE(space.map_borrowed(0x400000, file.phys(), 3, kRx).ok());
        CHECK(space.borrowed_pages() == 3);
        CHECK(space.user_frames() == 0);
        CHECK(space.table_frames() == 4);  // PML4, PDPT, PD, PT
        CHECK(ctx.leaked() == file.count() + space.table_frames());
        for (size_t i = 0; i < 3; ++i) {
            auto t = space.translate(0x400000 + i * 0x1000);
            REQUIRE(t.ok());
            CHECK(t.value().phys == file.phys(i));
            CHECK(t.value().size == paging::PageSize::k4K);
            CHECK(t.value().flags.borrowed);
            CHECK(t.value().flags.user);  // forced on
            CHECK(!t.value().flags.writable);
            CHECK(t.value().flags.executable);
        }
        std::vector<uint8_t> read(3 * 0x1000);
        REQUIRE(space.copy_from(read.data(), 0x400000, read.size()).ok());
        CHECK(read == file.expected);
        // Unaligned read across the page boundary.
        uint8_t two[2];
        REQUIRE(space.copy_from(two, 0x400fff, 2).ok());
        CHECK(two[0] == file.expected[0xfff]);
        CHECK(two[1] == file.expected[0x1000]);
    }
    CHECK(ctx.leaked() == file.count());
    file.check_untouched();
}

TEST_CASE("AddressSpace: the borrowed bit lives in PTE software bit 10") {
    paging::PageFlags flags{.user = true, .borrowed = true};
    auto e = paging::PageTableEntry::leaf(0x5000, flags, paging::PageSize::k4K);
    CHECK((e.raw() & paging::PageTableEntry::kSoftwareBorrowed) != 0);
    CHECK(paging::PageTableEntry::kSoftwareBorrowed == (1ull << 10));
    CHECK(e.borrowed());
    CHECK(e.flags() == flags);
    CHECK(e.address() == 0x5000);
    flags.borrowed = false;
    auto plain = paging::PageTableEntry::leaf(0x5000, flags, paging::PageSize::k4K);
    CHECK(!plain.borrowed());
    CHECK((plain.raw() & paging::PageTableEntry::kSoftwareBorrowed) == 0);
    CHECK(plain.raw() == (e.raw() & ~paging::PageTableEntry::kSoftwareBorrowed));
}

TEST_CASE("AddressSpace: map_borrowed refuses bad arguments before allocating anything") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 2);
    auto space = AddressSpace::try_create(ctx).release_value();
    size_t attempts = ctx.allocator.attempts();
    CHECK(space.map_borrowed(0x400000, file.phys(), 2, kRw).error() == Error::kInvalid);
    CHECK(
        space
            .map_borrowed(0x400000, file.phys(), 2, PageFlags{.writable = true, .executable = true})
            .error() == Error::kInvalid);
    CHECK(space.map_borrowed(0x400800, file.phys(), 1, kRo).error() == Error::kInvalid);
    CHECK(space.map_borrowed(0x400000, file.phys() + 8, 1, kRo).error() == Error::kInvalid);
    CHECK(space.map_borrowed(0x400000, file.phys(), 0, kRo).error() == Error::kInvalid);
    CHECK(space.map_borrowed(0xffff800000000000, file.phys(), 1, kRo).error() == Error::kInvalid);
    CHECK(space.map_borrowed(0x7ffffffff000, file.phys(), 1, kRo).error() == Error::kInvalid);
    CHECK(space.map_borrowed(0x7fffffffe000, file.phys(), 2, kRo).error() == Error::kInvalid);
    CHECK(space.map_borrowed(0x400000, file.phys(), SIZE_MAX / 2, kRo).error() == Error::kInvalid);
    CHECK(ctx.allocator.attempts() == attempts);
    CHECK(space.borrowed_pages() == 0);
    CHECK(space.table_frames() == 1);
    CHECK(!space.translate(0x400000).ok());
    // The last mappable page is fine.
    REQUIRE(space.map_borrowed(0x7fffffffe000, file.phys(), 1, kRo).ok());
    CHECK(space.translate(0x7fffffffe000).value().phys == file.phys());
    file.check_untouched();
}

TEST_CASE("AddressSpace: map_borrowed is all or nothing when a table allocation fails") {
    for (bool and_after : {true, false}) {
        bool succeeded = false;
        for (size_t n = 1; n <= 8 && !succeeded; ++n) {
            CAPTURE(n);
            CAPTURE(and_after);
            FakeMemoryContext ctx;
            ForeignPages file(ctx, 4);
            {
                auto space = AddressSpace::try_create(ctx).release_value();
                // An existing anonymous page elsewhere: its tables must survive.
                REQUIRE(space.map_anonymous(0x200000000, 1, kRw).ok());
                uint32_t marker = 0xfeedbeef;
                REQUIRE(space.copy_to(0x200000010, &marker, 4).ok());
                size_t tables_before = space.table_frames();
                size_t leaked_before = ctx.leaked();
                ctx.allocator.fail_at(n, and_after);
                // 0x5fe000..0x602000 crosses a page-table boundary: PD + 2 PTs
                // (the PDPT for PML4 entry 0 is shared with 0x200000000).
                auto r = space.map_borrowed(0x5fe000, file.phys(), 4, kRo);
                ctx.allocator.never_fail();
                if (r.ok()) {
                    succeeded = true;
                    CHECK(n == 4);  // three tables were needed
                    CHECK(space.borrowed_pages() == 4);
                    for (size_t i = 0; i < 4; ++i)
                        CHECK(space.translate(0x5fe000 + i * 0x1000).value().phys == file.phys(i));
                } else {
                    CHECK(r.error() == Error::kNoMemory);
                    CHECK(space.borrowed_pages() == 0);
                    CHECK(space.table_frames() == tables_before);
                    CHECK(ctx.leaked() == leaked_before);
                    for (uint64_t va = 0x5fe000; va < 0x602000; va += 0x1000)
                        CHECK(!space.translate(va).ok());
                }
                uint32_t back = 0;
                REQUIRE(space.copy_from(&back, 0x200000010, 4).ok());
                CHECK(back == marker);
                CHECK(space.user_frames() == 1);
                CHECK(ctx.leaked() == file.count() + space.user_frames() + space.table_frames());
            }
            CHECK(ctx.leaked() == file.count());
            file.check_untouched();
        }
        CHECK(succeeded);
    }
}

TEST_CASE("AddressSpace: map_borrowed over an existing page is kExists and changes nothing") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 4);
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        REQUIRE(space.map_anonymous(0x402000, 1, kRw).ok());
        const char text[] = "mine";
        REQUIRE(space.copy_to(0x402100, text, sizeof(text)).ok());
        paging::PhysAddr anon = space.translate(0x402000).value().phys;
        size_t leaked = ctx.leaked();
        size_t tables = space.table_frames();

        CHECK(space.map_borrowed(0x400000, file.phys(), 4, kRo).error() == Error::kExists);
        CHECK(space.borrowed_pages() == 0);
        CHECK(space.user_frames() == 1);
        CHECK(space.table_frames() == tables);
        CHECK(ctx.leaked() == leaked);
        for (uint64_t va : {0x400000ull, 0x401000ull, 0x403000ull})
            CHECK(space.translate(va).error() == Error::kNoEntry);
        auto t = space.translate(0x402000);
        REQUIRE(t.ok());
        CHECK(t.value().phys == anon);
        CHECK(!t.value().flags.borrowed);
        CHECK(t.value().flags.writable);
        char back[sizeof(text)] = {};
        REQUIRE(space.copy_from(back, 0x402100, sizeof(back)).ok());
        CHECK(memcmp(back, text, sizeof(text)) == 0);

        // A borrowed page is just as much in the way, of either kind of mapping.
        REQUIRE(space.map_borrowed(0x500000, file.phys(), 2, kRo).ok());
        CHECK(space.map_borrowed(0x501000, file.phys(2), 2, kRo).error() == Error::kExists);
        CHECK(space.map_anonymous(0x4ff000, 2, kRw).error() == Error::kExists);
        CHECK(space.borrowed_pages() == 2);
        CHECK(space.user_frames() == 1);
        CHECK(!space.translate(0x4ff000).ok());
        CHECK(!space.translate(0x502000).ok());
        CHECK(space.translate(0x501000).value().phys == file.phys(1));
        // The tables map_anonymous made for 0x4ff000 linger, owned and counted.
        CHECK(ctx.leaked() == file.count() + space.user_frames() + space.table_frames());
    }
    CHECK(ctx.leaked() == file.count());
    file.check_untouched();
}

TEST_CASE("AddressSpace: the same frames borrowed by several spaces outlive them all") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 2);
    {
        auto a = AddressSpace::try_create(ctx).release_value();
        auto b = AddressSpace::try_create(ctx).release_value();
        REQUIRE(a.map_borrowed(0x400000, file.phys(), 2, kRx).ok());
        REQUIRE(b.map_borrowed(0x400000, file.phys(), 2, kRx).ok());
        REQUIRE(b.map_borrowed(0x800000, file.phys(), 2, kRo).ok());  // twice in one space
        CHECK(b.borrowed_pages() == 4);
        CHECK(a.translate(0x401000).value().phys == b.translate(0x801000).value().phys);
        a = AddressSpace();  // destroyed first
        file.check_untouched();
        uint8_t byte = 0;
        REQUIRE(b.copy_from(&byte, 0x401234, 1).ok());
        CHECK(byte == file.expected[0x1234]);
        // A moved space keeps the count and still frees nothing it borrowed.
        AddressSpace c(std::move(b));
        CHECK(b.borrowed_pages() == 0);
        CHECK(c.borrowed_pages() == 4);
    }
    CHECK(ctx.leaked() == file.count());
    file.check_untouched();
}

TEST_CASE("AddressSpace: unmap_range frees owned frames and only unmaps borrowed ones") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 2);
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        // 0x400000 anon, 0x401000 hole, 0x402000..0x404000 borrowed, 0x404000 anon.
        REQUIRE(space.map_anonymous(0x400000, 1, kRw).ok());
        REQUIRE(space.map_borrowed(0x402000, file.phys(), 2, kRo).ok());
        REQUIRE(space.map_anonymous(0x404000, 1, kRw).ok());
        paging::PhysAddr anon0 = space.translate(0x400000).value().phys;
        paging::PhysAddr anon1 = space.translate(0x404000).value().phys;
        CHECK(space.user_frames() == 2);
        CHECK(space.borrowed_pages() == 2);

        space.unmap_range(0x400000, 5);
        for (uint64_t va = 0x400000; va < 0x405000; va += 0x1000) CHECK(!space.translate(va).ok());
        CHECK(space.user_frames() == 0);
        CHECK(space.borrowed_pages() == 0);
        CHECK(!ctx.allocator.in_use(anon0));
        CHECK(!ctx.allocator.in_use(anon1));
        file.check_untouched();
        CHECK(ctx.leaked() == file.count() + space.table_frames());
        // Mapped again, the same frames come back.
        REQUIRE(space.map_borrowed(0x402000, file.phys(), 2, kRo).ok());
        CHECK(space.borrowed_pages() == 2);
    }
    CHECK(ctx.leaked() == file.count());
    file.check_untouched();
}

TEST_CASE("AddressSpace: protect never makes a borrowed page writable, and keeps it borrowed") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 2);
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        REQUIRE(space.map_anonymous(0x400000, 1, kRo).ok());
        REQUIRE(space.map_borrowed(0x401000, file.phys(), 2, kRx).ok());
        REQUIRE(space.map_anonymous(0x403000, 1, kRo).ok());
        auto flags_at = [&](uint64_t va) { return space.translate(va).value().flags; };

        // Writable over a range holding borrowed pages: refused for the
        // whole range, before the anonymous page in front is touched.
        CHECK(space.protect(0x400000, 4, kRw).error() == Error::kPermission);
        CHECK(space.protect(0x402000, 1, kRw).error() == Error::kPermission);
        CHECK(!flags_at(0x400000).writable);
        CHECK(!flags_at(0x403000).writable);
        for (uint64_t va : {0x401000ull, 0x402000ull}) {
            CHECK(flags_at(va).borrowed);
            CHECK(!flags_at(va).writable);
            CHECK(flags_at(va).executable);
        }

        // Other changes go through and the pages stay borrowed.
        REQUIRE(space.protect(0x400000, 4, kRo).ok());
        for (uint64_t va : {0x401000ull, 0x402000ull}) {
            CHECK(flags_at(va).borrowed);
            CHECK(!flags_at(va).executable);
            CHECK(flags_at(va).user);
            CHECK(space.translate(va).value().phys == file.phys((va - 0x401000) / 0x1000));
        }
        CHECK(!flags_at(0x400000).borrowed);
        CHECK(!flags_at(0x403000).borrowed);

        // A caller cannot forge the bit: asking for it on an owned page changes
        // nothing, so that frame is still freed at destruction.
        REQUIRE(space.protect(0x403000, 1, PageFlags{.borrowed = true}).ok());
        CHECK(!flags_at(0x403000).borrowed);
        // And an owned page can still become writable.
        REQUIRE(space.protect(0x403000, 1, kRw).ok());
        CHECK(flags_at(0x403000).writable);
        CHECK(space.borrowed_pages() == 2);
        CHECK(space.user_frames() == 2);
    }
    CHECK(ctx.leaked() == file.count());
    file.check_untouched();
}

TEST_CASE("AddressSpace: copy_to and fill_zero fault on borrowed pages; copy_from reads them") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 1);
    auto space = AddressSpace::try_create(ctx).release_value();
    REQUIRE(space.map_anonymous(0x400000, 1, kRw).ok());
    REQUIRE(space.map_borrowed(0x401000, file.phys(), 1, kRo).ok());
    REQUIRE(space.map_anonymous(0x402000, 1, kRw).ok());
    uint8_t junk[64];
    memset(junk, 0x5a, sizeof(junk));

    CHECK(space.copy_to(0x401000, junk, 1).error() == Error::kFault);
    CHECK(space.copy_to(0x401fc0, junk, 64).error() == Error::kFault);
    CHECK(space.fill_zero(0x401000, 0x1000).error() == Error::kFault);
    CHECK(space.fill_zero(0x401800, 1).error() == Error::kFault);
    // Ranges that start in an owned page and run into the borrowed one.
    CHECK(space.copy_to(0x400fe0, junk, 64).error() == Error::kFault);
    CHECK(space.fill_zero(0x400000, 0x3000).error() == Error::kFault);
    file.check_untouched();

    // Reading works, across the owned/borrowed boundaries too.
    std::vector<uint8_t> all(0x3000);
    REQUIRE(space.copy_from(all.data(), 0x400000, all.size()).ok());
    CHECK(memcmp(all.data() + 0x1000, file.expected.data(), 0x1000) == 0);
    // The owned pages were not kept from being written.
    REQUIRE(space.copy_to(0x402000, junk, 64).ok());
    REQUIRE(space.fill_zero(0x400000, 0x1000).ok());
    uint8_t back[64];
    REQUIRE(space.copy_from(back, 0x402000, 64).ok());
    CHECK(memcmp(back, junk, 64) == 0);
    // A zero-length write is no access at all.
    CHECK(space.copy_to(0x401000, junk, 0).ok());
    file.check_untouched();
}

TEST_CASE("AddressSpace: destroying a space with far-apart ranges frees every frame") {
    FakeMemoryContext ctx;
    ForeignPages file(ctx, 2);
    {
        auto space = AddressSpace::try_create(ctx).release_value();
        REQUIRE(space.map_anonymous(0x400000, 3, kRx).ok());
        REQUIRE(space.map_anonymous(0xfff000, 1, kRw).ok());    // stack page
        REQUIRE(space.map_anonymous(0x10000000, 4, kRw).ok());  // heap
        REQUIRE(space.map_borrowed(0x403000, file.phys(), 2, kRo).ok());
        REQUIRE(space.map_anonymous(0x7ffffffde000, 2, kRw).ok());  // top of the half
        CHECK(space.user_frames() == 10);
        CHECK(ctx.leaked() == file.count() + space.user_frames() + space.table_frames());
    }
    CHECK(ctx.leaked() == file.count());
    file.check_untouched();
}

TEST_CASE("AddressSpace: destroying a space with more ranges than extents frees every frame") {
    // Eight clusters in different PTs, PDs, PDPTs and PML4 entries, added in
    // an order that makes the extents merge, and tables left behind by
    // unmapping and by failed maps.
    const uint64_t clusters[] = {0x7ffffffde000, 0x400000,     0x8000000000,   0xfff000,
                                 0x40000000,     0x2000000000, 0x600000000000, 0x10000000};
    for (size_t fail_n = 0; fail_n <= 6; ++fail_n) {
        CAPTURE(fail_n);
        FakeMemoryContext ctx(1024);
        ForeignPages file(ctx, 2);
        {
            auto space = AddressSpace::try_create(ctx).release_value();
            for (size_t i = 0; i < 8; ++i) {
                uint64_t va = clusters[i];
                if (i % 3 == 1) {
                    REQUIRE(space.map_borrowed(va, file.phys(), 2, kRo).ok());
                } else {
                    REQUIRE(space.map_anonymous(va, 2, kRw).ok());
                }
            }
            space.unmap_range(0x8000000000, 2);  // its tables linger
            if (fail_n) {
                // A failed map in a new PML4 entry: the tables it got before
                // failing are owned by the space until destruction.
                ctx.allocator.fail_at(fail_n);
                (void)space.map_anonymous(0x500000000000, 3, kRw);
                ctx.allocator.never_fail();
            }
            CHECK(ctx.leaked() == file.count() + space.user_frames() + space.table_frames());
        }
        CHECK(ctx.leaked() == file.count());
        file.check_untouched();
    }
}

TEST_CASE("AddressSpace: random mappings over the whole user half leak nothing at destruction") {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 40; ++round) {
        CAPTURE(round);
        FakeMemoryContext ctx(2048);
        ForeignPages file(ctx, 4);
        {
            auto space = AddressSpace::try_create(ctx).release_value();
            for (int k = 0; k < 12; ++k) {
                // Either near an earlier-style address or anywhere in the half.
                uint64_t va = (rng() % 2) ? 0x400000 + (rng() % 4096) * 0x1000
                                          : (rng() % (kUserMappableEnd / 0x1000 - 4)) * 0x1000;
                size_t pages = 1 + rng() % 4;
                if (rng() % 8 == 0) ctx.allocator.fail_at(1 + rng() % 4);
                if (rng() % 3 == 0)
                    (void)space.map_borrowed(va, file.phys(), pages, kRo);
                else
                    (void)space.map_anonymous(va, pages, kRw);
                ctx.allocator.never_fail();
                if (rng() % 5 == 0) space.unmap_range(va, 1);
            }
            CHECK(ctx.leaked() == file.count() + space.user_frames() + space.table_frames());
        }
        CHECK(ctx.leaked() == file.count());
        file.check_untouched();
    }
}
