// The VM layer: NyanOS's layout (fixed stack, sbrk heap) as before; Linux's
// mmap, munmap, mprotect, madvise and brk; the fault policy (demand zero,
// file pages, stack growth, copy-on-write); fork with copy-on-write, at
// every failing allocation; every frame accounted for.
#include <doctest/doctest.h>

#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <vector>

#include "fake_memory_context.h"
#include "mm/process_memory.h"

using namespace nyanos;
using namespace nyanos::mm;
using nyanos::test::FakeMemoryContext;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint8_t kRw = kProtRead | kProtWrite;
constexpr uint8_t kRo = kProtRead;
constexpr uint8_t kRx = kProtRead | kProtExec;
constexpr uint32_t kAnonPrivate = kMapAnonymous | kMapPrivate;

// NyanOS programs: 64 KiB fixed stack below 16 MiB, heap from 16 MiB + 4 KiB
// up to 1 GiB.
constexpr MemoryLayout kNyan{.stack_top = 0x1000000,
                             .stack_size = 0x10000,
                             .stack_max = 0x10000,
                             .brk_start = 0x1001000,
                             .mmap_base = 0x40000000,
                             .allow_write_execute = false};
// Linux programs: a stack near the top that grows to 8 MiB, mmap below it.
constexpr VirtAddr kLinuxStackTop = 0x7ffffffde000;
constexpr MemoryLayout kLinux{.stack_top = kLinuxStackTop,
                              .stack_size = 0x21000,
                              .stack_max = 8 << 20,
                              .brk_start = 0x4c9000,
                              .mmap_base = 0x7ffff7fff000,
                              .allow_write_execute = true};

ProcessMemory make_memory(FakeMemoryContext& ctx, const MemoryLayout& layout = kNyan) {
    auto space = AddressSpace::try_create(ctx);
    REQUIRE(space.ok());
    auto memory = ProcessMemory::try_create(space.release_value(), layout);
    REQUIRE(memory.ok());
    return memory.release_value();
}

bool entry_permits(const paging::Translation& t, Access access) {
    if (!t.flags.user) return false;
    if (access == Access::kWrite) return t.flags.writable;
    if (access == Access::kExecute) return t.flags.executable;
    return true;
}

// An access as the CPU makes it: through the page tables, taking the fault
// (at most twice: a fault may leave a page that needs one more) when the
// entry is absent or forbids it.
FaultResult access_page(ProcessMemory& m, VirtAddr va, Access access) {
    for (int round = 0; round < 3; ++round) {
        auto t = m.space().translate(va & ~(kPage - 1));
        if (t.ok() && entry_permits(t.value(), access)) return FaultResult::kHandled;
        FaultResult r = m.resolve_fault(va, access, t.ok());
        if (r != FaultResult::kHandled) return r;
    }
    FAIL("the fault handler keeps faulting at " << va);
    return FaultResult::kSegv;
}

// A user load or store of 8 bytes (inside one page).
uint64_t* user_word(ProcessMemory& m, VirtAddr va) {
    auto t = m.space().translate(va & ~(kPage - 1));
    REQUIRE(t.ok());
    return reinterpret_cast<uint64_t*>(
        static_cast<uint8_t*>(m.space().context().phys_to_virt(t.value().phys)) + va % kPage);
}
FaultResult store(ProcessMemory& m, VirtAddr va, uint64_t value) {
    FaultResult r = access_page(m, va, Access::kWrite);
    if (r == FaultResult::kHandled) *user_word(m, va) = value;
    return r;
}
uint64_t load(ProcessMemory& m, VirtAddr va) {
    REQUIRE(access_page(m, va, Access::kRead) == FaultResult::kHandled);
    return *user_word(m, va);
}

constexpr FaultResult kOk = FaultResult::kHandled;
constexpr FaultResult kSegv = FaultResult::kSegv;

// Frames standing for a ramdisk file: contiguous, filled with a pattern,
// owned by the test (as the ramdisk owns its pages).
struct FakeFile {
    FakeFile(FakeMemoryContext& ctx, size_t pages, uint64_t size) : ctx(ctx) {
        for (size_t i = 0; i < pages; ++i) {
            paging::PhysAddr f = ctx.allocator.allocate().release_value();
            if (i) REQUIRE(f == frames.back() + kPage);
            frames.push_back(f);
        }
        auto* bytes = static_cast<uint8_t*>(ctx.ram.phys_to_virt(frames[0]));
        for (uint64_t b = 0; b < pages * kPage; ++b)
            bytes[b] = b < size ? uint8_t(b / kPage + 1) : 0;
        backing.data = bytes;
        backing.size = size;
        backing.phys = frames[0];
        backing.mappable = pages * kPage;
    }
    ~FakeFile() {
        for (auto f : frames) ctx.allocator.free(f);
    }
    FakeMemoryContext& ctx;
    std::vector<paging::PhysAddr> frames;
    FileBacking backing;
};

}  // namespace

// ---- NyanOS programs: exactly as before ----

TEST_CASE("ProcessMemory: a fault maps a zeroed writable page only inside a lazy region") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx);
        CHECK(m.resolve_fault(0xfff123, Access::kWrite, false) == kOk);  // stack
        auto t = m.space().translate(0xfff000);
        REQUIRE(t.ok());
        CHECK(t.value().flags.writable);
        CHECK(!t.value().flags.executable);
        uint64_t word = 1;
        REQUIRE(m.space().copy_from(&word, 0xfff120, sizeof(word)).ok());
        CHECK(word == 0);

        CHECK(m.resolve_fault(0xfef000, Access::kRead, false) == kSegv);   // the guard page
        CHECK(m.resolve_fault(0xfeffff, Access::kWrite, false) == kSegv);  // no growth
        CHECK(m.resolve_fault(0x1000000, Access::kRead, false) == kSegv);  // stack top..heap
        CHECK(m.resolve_fault(0x1001000, Access::kRead, false) == kSegv);  // break at its base
        REQUIRE(m.sbrk(3 * kPage).ok());
        CHECK(m.resolve_fault(0x1003fff, Access::kWrite, false) == kOk);
        CHECK(m.resolve_fault(0x1004000, Access::kRead, false) == kSegv);  // at the break
        // Stack and heap are not executable.
        CHECK(m.resolve_fault(0xffe000, Access::kExecute, false) == kSegv);
        CHECK(m.resolve_fault(0x1002000, Access::kExecute, false) == kSegv);
        // A prefault of a page already there maps nothing new.
        CHECK(m.prefault(0x1003000, Access::kWrite) == kOk);
        CHECK(m.space().user_frames() == 2);
        CHECK(m.prefault(0x1002000, Access::kRead) == kOk);
        CHECK(m.space().user_frames() == 3);
        CHECK(m.prefault(0x1004000, Access::kRead) == kSegv);
        CHECK(m.resolve_fault(0xffff800000000000, Access::kRead, false) == kSegv);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: sbrk grows to the limit, shrinks to the base, and returns pages") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx);
        CHECK(m.sbrk(0).value() == 0x1001000);
        CHECK(m.sbrk(int64_t(0x40000000 - 0x1001000) + 1).error() == Error::kNoMemory);
        CHECK(m.sbrk(INT64_MAX).error() == Error::kNoMemory);
        CHECK(m.sbrk(-1).error() == Error::kInvalid);
        CHECK(m.sbrk(INT64_MIN).error() == Error::kInvalid);
        REQUIRE(m.sbrk(4 * kPage + 10).value() == 0x1001000);
        for (uint64_t a = 0x1001000; a < m.current_break(); a += kPage)
            REQUIRE(m.resolve_fault(a, Access::kWrite, false) == kOk);
        CHECK(m.space().user_frames() == 5);
        // Shrinking into the middle of the last page keeps that page.
        REQUIRE(m.sbrk(-int64_t(kPage)).ok());
        CHECK(m.space().user_frames() == 4);
        CHECK(m.space().translate(0x1004000).ok());
        REQUIRE(m.sbrk(-int64_t(3 * kPage + 10)).ok());
        CHECK(m.current_break() == 0x1001000);
        CHECK(m.space().user_frames() == 0);
        // Up to the exact limit, byte steps included, and back.
        REQUIRE(m.sbrk(int64_t(0x40000000 - 0x1001000) - 5).ok());
        REQUIRE(m.sbrk(5).ok());
        CHECK(m.current_break() == 0x40000000);
        CHECK(m.sbrk(1).error() == Error::kNoMemory);
        REQUIRE(m.resolve_fault(0x3fffffff, Access::kWrite, false) == kOk);
        REQUIRE(m.sbrk(-int64_t(0x40000000 - 0x1001000)).ok());
        CHECK(m.space().user_frames() == 0);
        // One heap region at most, however it grew.
        for (int i = 0; i < 50; ++i) REQUIRE(m.sbrk(100).ok());
        CHECK(m.regions().count() == 2);  // the stack and the heap
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: a fault that cannot get a frame fails and leaks nothing") {
    for (size_t n = 1; n <= 4; ++n) {
        FakeMemoryContext ctx;
        {
            ProcessMemory m = make_memory(ctx);
            ctx.allocator.fail_at(n);
            FaultResult r = m.resolve_fault(0xfff000, Access::kWrite, false);
            CHECK((r == kOk) == m.space().translate(0xfff000).ok());
            if (r != kOk) CHECK(r == FaultResult::kNoMemory);
            ctx.allocator.never_fail();
        }
        CHECK(ctx.leaked() == 0);
    }
}

TEST_CASE("ProcessMemory: loaded segments become regions; W+X is refused for NyanOS") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx);
        REQUIRE(m.space().map_anonymous(0x400000, 2, PageFlags{.executable = true}).ok());
        REQUIRE(m.add_loaded_region(0x400000, 0x402000, kRx).ok());
        CHECK(m.add_loaded_region(0x401000, 0x403000, kRo).error() == Error::kExists);
        CHECK(m.add_loaded_region(0x403800, 0x404000, kRo).error() == Error::kInvalid);
        CHECK(access_page(m, 0x400000, Access::kExecute) == kOk);
        CHECK(access_page(m, 0x400000, Access::kWrite) == kSegv);
        CHECK(m.protect(0x400000, kPage, kProtRead | kProtWrite | kProtExec).error() ==
              Error::kAccess);
        CHECK(m.map(0, kPage, kProtWrite | kProtExec, kAnonPrivate).error() == Error::kAccess);
        CHECK(!m.allows_write_execute());
    }
    CHECK(ctx.leaked() == 0);
}

// ---- mmap and munmap ----

TEST_CASE("ProcessMemory: mmap places top-down below mmap_base, rounds lengths, honours hints") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 100, kRw, kAnonPrivate).value();
        CHECK(a == kLinux.mmap_base - kPage);
        VirtAddr b = m.map(0, 3 * kPage, kRw, kAnonPrivate).value();
        CHECK(b == a - 3 * kPage);
        // Same protection, touching: one region.
        CHECK(m.regions().find(a)->start == b);
        VirtAddr c = m.map(0, kPage, kRo, kAnonPrivate).value();
        CHECK(c == b - kPage);
        CHECK(m.regions().find(c)->end == b);
        // A free hint is taken (rounded down); a busy one is not.
        CHECK(m.map(0x20000123, kPage, kRw, kAnonPrivate).value() == 0x20000000);
        CHECK(m.map(0x20000000, kPage, kRw, kAnonPrivate).value() == c - kPage);
        // Below vm.mmap_min_addr a hint is raised to it.
        CHECK(m.map(0x1000, kPage, kRw, kAnonPrivate).value() == kMmapMinAddr);
        // Pages come on first touch, zeroed.
        CHECK(m.space().user_frames() == 0);
        CHECK(store(m, b + 8, 42) == kOk);
        CHECK(load(m, b + 8) == 42);
        CHECK(load(m, a) == 0);
        CHECK(store(m, c, 1) == kSegv);  // read-only
        CHECK(m.space().user_frames() == 2);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: mmap's errors are Linux's") {
    FakeMemoryContext ctx;
    ProcessMemory m = make_memory(ctx, kLinux);
    FileBacking file;  // empty: no bytes, not writable
    CHECK(m.map(0, 0, kRw, kAnonPrivate).error() == Error::kInvalid);
    CHECK(m.map(0, kPage, kRw, kMapAnonymous).error() == Error::kInvalid);  // no type
    CHECK(m.map(0, kPage, kRw, kAnonPrivate | 0x4).error() == Error::kInvalid);
    CHECK(m.map(0, kPage, kRw, kAnonPrivate, nullptr, 0x800).error() == Error::kInvalid);
    CHECK(m.map(0x10800, kPage, kRw, kAnonPrivate | kMapFixed).error() == Error::kInvalid);
    CHECK(m.map(0x1000, kPage, kRw, kAnonPrivate | kMapFixed).error() == Error::kPermission);
    CHECK(m.map(0, ~0ull, kRw, kAnonPrivate).error() == Error::kNoMemory);
    CHECK(m.map(0, kUserMappableEnd + 1, kRw, kAnonPrivate).error() == Error::kNoMemory);
    CHECK(m.map(kUserMappableEnd - kPage, 2 * kPage, kRw, kAnonPrivate | kMapFixed).error() ==
          Error::kNoMemory);
    CHECK(m.map(0, kPage, kRw, kAnonPrivate | kMapHugeTlb).error() == Error::kNoMemory);
    CHECK(m.map(0, kPage, kRo, kMapPrivate, &file, ~0ull & ~(kPage - 1)).error() ==
          Error::kOverflow);
    CHECK(m.map(0, kPage, kRw, kMapShared, &file, 0).error() == Error::kAccess);
    CHECK(m.map(0, kPage, kRo, kMapPrivate, nullptr, 0).error() == Error::kInvalid);
    // Linux programs may ask for W+X.
    CHECK(m.map(0, kPage, kRw | kProtExec, kAnonPrivate).ok());
    // Ignored flags.
    CHECK(m.map(0, kPage, kRw,
                kAnonPrivate | kMapNoReserve | kMapStack | kMapDenyWrite | kMapPopulate)
              .ok());
}

TEST_CASE("ProcessMemory: MAP_FIXED replaces what is there; FIXED_NOREPLACE refuses") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0x100000000, 8 * kPage, kRw, kAnonPrivate | kMapFixed).value();
        CHECK(a == 0x100000000);
        for (int i = 0; i < 8; ++i) REQUIRE(store(m, a + i * kPage, 100 + i) == kOk);
        CHECK(m.map(a + 2 * kPage, kPage, kRw, kAnonPrivate | kMapFixedNoReplace).error() ==
              Error::kExists);
        CHECK(load(m, a + 2 * kPage) == 102);
        // The middle becomes a fresh read-only mapping: the old pages go.
        REQUIRE(m.map(a + 2 * kPage, 2 * kPage, kRo, kAnonPrivate | kMapFixed).ok());
        CHECK(m.space().user_frames() == 6);
        CHECK(load(m, a + 2 * kPage) == 0);
        CHECK(store(m, a + 3 * kPage, 1) == kSegv);
        CHECK(load(m, a + 4 * kPage) == 104);
        CHECK(m.regions().count() == 4);  // stack, and a split in three
        CHECK(m.map(a + 8 * kPage, kPage, kRw, kAnonPrivate | kMapFixedNoReplace).value() ==
              a + 8 * kPage);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: munmap splits regions and returns frames; errors as Linux") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 16 * kPage, kRw, kAnonPrivate).value();
        for (int i = 0; i < 16; ++i) REQUIRE(store(m, a + i * kPage, i) == kOk);
        size_t frames = m.space().user_frames();
        REQUIRE(m.unmap(a + 4 * kPage, 4 * kPage - 1).ok());  // rounded up
        CHECK(m.space().user_frames() == frames - 4);
        CHECK(access_page(m, a + 5 * kPage, Access::kRead) == kSegv);
        CHECK(load(m, a + 8 * kPage) == 8);
        CHECK(m.unmap(a + 1, kPage).error() == Error::kInvalid);
        CHECK(m.unmap(a, 0).error() == Error::kInvalid);
        CHECK(m.unmap(kUserMappableEnd - kPage, 2 * kPage).error() == Error::kInvalid);
        REQUIRE(m.unmap(0x10000, 0x100000).ok());  // nothing there
        REQUIRE(m.unmap(a, 16 * kPage).ok());
        CHECK(m.space().user_frames() == 0);
        CHECK(m.regions().count() == 1);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: mmap, fault, munmap and mprotect at every failing allocation") {
    for (size_t n = 1; n <= 30; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        {
            ProcessMemory m = make_memory(ctx, kLinux);
            // Enough regions that the map's first block is full.
            std::vector<VirtAddr> maps;
            for (int i = 0; i < 5; ++i)
                maps.push_back(m.map(0, 4 * kPage, i % 2 ? kRo : kRw, kAnonPrivate).value());
            REQUIRE(store(m, maps[4], 7) == kOk);
            size_t regions = m.regions().count();
            size_t frames = m.space().user_frames();
            ctx.allocator.fail_at(n);
            auto a = m.map(0, 8 * kPage, kRw, kAnonPrivate | kMapShared);  // filled at once
            auto u = m.unmap(maps[2] + kPage, kPage);                      // a split
            auto p = m.protect(maps[4] + kPage, kPage, kRo);               // two splits
            FaultResult f = access_page(m, maps[0] + 2 * kPage, Access::kWrite);
            ctx.allocator.never_fail();
            // Each either happened whole or not at all.
            size_t expect_regions =
                regions + (a.ok() ? 1 : 0) + (u.ok() ? 1 : 0) + (p.ok() ? 2 : 0);
            CHECK(m.regions().count() == expect_regions);
            CHECK(m.space().user_frames() == frames + (a.ok() ? 8 : 0) + (f == kOk ? 1 : 0));
            if (!a.ok()) CHECK(a.error() == Error::kNoMemory);
            CHECK(load(m, maps[4]) == 7);
            CHECK((access_page(m, maps[2] + kPage, Access::kRead) == kOk) == !u.ok());
            CHECK((store(m, maps[4] + kPage, 1) == kOk) == !p.ok());
        }
        CHECK(ctx.leaked() == 0);
    }
}

// ---- mprotect, madvise, brk ----

TEST_CASE("ProcessMemory: mprotect (RELRO) takes write away at once and gives it back lazily") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 4 * kPage, kRw, kAnonPrivate).value();
        for (int i = 0; i < 4; ++i) REQUIRE(store(m, a + i * kPage, i + 1) == kOk);
        REQUIRE(m.protect(a + kPage, 2 * kPage, kRo).ok());
        CHECK(store(m, a + kPage, 9) == kSegv);
        CHECK(load(m, a + kPage) == 2);
        CHECK(store(m, a, 9) == kOk);
        CHECK(m.regions().count() == 4);
        // Back to RW: entries stay read-only until the first write, which
        // finds the frame unshared and keeps it.
        paging::PhysAddr frame = m.space().translate(a + kPage).value().phys;
        REQUIRE(m.protect(a + kPage, 2 * kPage, kRw).ok());
        CHECK(m.regions().count() == 2);
        CHECK(!m.space().translate(a + kPage).value().flags.writable);
        CHECK(store(m, a + kPage, 9) == kOk);
        CHECK(m.space().translate(a + kPage).value().phys == frame);
        // PROT_NONE: no access at all, contents kept.
        REQUIRE(m.protect(a, 4 * kPage, kProtNone).ok());
        CHECK(access_page(m, a, Access::kRead) == kSegv);
        REQUIRE(m.protect(a, 4 * kPage, kRo).ok());
        CHECK(load(m, a) == 9);
        // Errors.
        CHECK(m.protect(a + 1, kPage, kRo).error() == Error::kInvalid);
        CHECK(m.protect(a, kPage, 0x10).error() == Error::kInvalid);
        CHECK(m.protect(a, kPage, kRo | 0x8).ok());                       // PROT_SEM
        CHECK(m.protect(a, 5 * kPage, kRo).error() == Error::kNoMemory);  // runs past the end
        CHECK(m.protect(a - kPage, kPage, kRo).error() == Error::kNoMemory);
        CHECK(m.protect(a, 0, kRo).ok());
        CHECK(m.protect(a, ~0ull, kRo).error() == Error::kNoMemory);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: a PROT_NONE reservation is carved up with mprotect") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        // 1 GiB reserved, as runtimes do; nothing is mapped for it.
        VirtAddr r = m.map(0, 1ull << 30, kProtNone, kAnonPrivate | kMapNoReserve).value();
        CHECK(access_page(m, r, Access::kRead) == kSegv);
        CHECK(m.space().user_frames() == 0);
        REQUIRE(m.protect(r + (512ull << 20), 2 * kPage, kRw).ok());
        CHECK(store(m, r + (512ull << 20) + kPage, 5) == kOk);
        CHECK(access_page(m, r + (512ull << 20) + 2 * kPage, Access::kRead) == kSegv);
        REQUIRE(m.unmap(r, 1ull << 30).ok());
        CHECK(m.space().user_frames() == 0);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: MADV_DONTNEED drops private pages, keeps shared ones") {
    FakeMemoryContext ctx;
    FakeFile file(ctx, 2, 2 * kPage);
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 2 * kPage, kRw, kAnonPrivate).value();
        VirtAddr s = m.map(0, kPage, kRw, kMapAnonymous | kMapShared).value();
        VirtAddr f = m.map(0, 2 * kPage, kRw, kMapPrivate, &file.backing, 0).value();
        REQUIRE(store(m, a, 1) == kOk);
        REQUIRE(store(m, s, 2) == kOk);
        REQUIRE(store(m, f, 3) == kOk);
        // f, s and a lie next to each other, top-down.
        REQUIRE(m.advise_dontneed(f, a + 2 * kPage - f).ok());
        CHECK(load(m, a) == 0);
        CHECK(load(m, s) == 2);
        CHECK(load(m, f) == 0x0101010101010101ull);  // the file's bytes again
        CHECK(m.advise_dontneed(a + 1, kPage).error() == Error::kInvalid);
        CHECK(m.advise_dontneed(a, 0).ok());
        CHECK(m.advise_dontneed(a, 16 * kPage).error() == Error::kNoMemory);  // a hole after
    }
    CHECK(ctx.leaked() == file.frames.size());
}

TEST_CASE("ProcessMemory: brk moves the break as Linux's brk(2) does") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        const VirtAddr base = kLinux.brk_start;
        CHECK(m.brk(0) == base);
        CHECK(m.brk(base + 10) == base + 10);
        REQUIRE(store(m, base + 8, 1) == kOk);
        CHECK(access_page(m, base + kPage, Access::kRead) == kSegv);
        CHECK(m.brk(base + 5 * kPage) == base + 5 * kPage);
        REQUIRE(store(m, base + 4 * kPage, 1) == kOk);
        // Not below the start; not within a page of another mapping.
        CHECK(m.brk(base - 1) == base + 5 * kPage);
        REQUIRE(m.map(base + 8 * kPage, kPage, kRw, kAnonPrivate | kMapFixed).ok());
        CHECK(m.brk(base + 7 * kPage + 1) == base + 5 * kPage);
        CHECK(m.brk(base + 7 * kPage) == base + 7 * kPage);
        // Shrinking unmaps whole pages above the new break.
        CHECK(m.brk(base + 8) == base + 8);
        CHECK(m.space().user_frames() == 1);
        CHECK(load(m, base + 8) == 1);
        CHECK(access_page(m, base + 4 * kPage, Access::kRead) == kSegv);
    }
    CHECK(ctx.leaked() == 0);
}

// ---- Stack growth ----

TEST_CASE("ProcessMemory: a Linux stack grows down to its limit, never near another region") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        const VirtAddr low = kLinuxStackTop - kLinux.stack_size;
        CHECK(store(m, low, 1) == kOk);
        CHECK(store(m, low - 8, 2) == kOk);
        CHECK(m.regions().find(low - 1)->start == low - kPage);
        // Far below (no stack-pointer check, as Linux 6.1), within the limit.
        CHECK(store(m, kLinuxStackTop - (8 << 20), 3) == kOk);
        CHECK(m.regions().find(kLinuxStackTop - (4 << 20))->kind == RegionKind::kStack);
        CHECK(access_page(m, kLinuxStackTop - (8 << 20) - 1, Access::kRead) == kSegv);
        CHECK(m.regions().count() == 1);
    }
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        const VirtAddr low = kLinuxStackTop - kLinux.stack_size;
        // A mapping 2 MiB below: growth stops the guard gap (1 MiB) above it.
        const VirtAddr other = low - (2 << 20);
        REQUIRE(m.map(other, kPage, kRw, kAnonPrivate | kMapFixed).ok());
        CHECK(store(m, other + kPage + VmMap::kStackGuardGap, 1) == kOk);
        CHECK(access_page(m, other + VmMap::kStackGuardGap, Access::kRead) == kSegv);
        // A PROT_NONE neighbour needs no gap: the stack may reach it.
        REQUIRE(m.protect(other, kPage, kProtNone).ok());
        CHECK(store(m, other + kPage, 1) == kOk);
        CHECK(access_page(m, other + kPage - 1, Access::kRead) == kSegv);
    }
    {
        // RLIMIT_STACK lowered at run time (1 MiB): the stack grows to it,
        // not beyond, whatever stack_max says; raising it lets it go on.
        ProcessMemory m = make_memory(ctx, kLinux);
        m.set_stack_limit(1 << 20);
        CHECK(store(m, kLinuxStackTop - (1 << 20), 1) == kOk);
        CHECK(access_page(m, kLinuxStackTop - (1 << 20) - 1, Access::kWrite) == kSegv);
        ProcessMemory child = m.clone_for_fork().release_value();  // inherits it
        CHECK(access_page(child, kLinuxStackTop - (1 << 20) - 1, Access::kWrite) == kSegv);
        m.set_stack_limit(2 << 20);
        CHECK(store(m, kLinuxStackTop - (1 << 20) - 8, 2) == kOk);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: a mapping that may never be written refuses PROT_WRITE, now and later") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        // /dev/zero opened read-only, MAP_SHARED: private memory without
        // VM_MAYWRITE, as Linux makes it.
        CHECK(m.map(0, kPage, kRw, kAnonPrivate, nullptr, 0, false).error() == Error::kAccess);
        VirtAddr a = m.map(0, 2 * kPage, kRo, kAnonPrivate, nullptr, 0, false).value();
        CHECK(load(m, a) == 0);
        CHECK(m.protect(a, kPage, kRw).error() == Error::kAccess);
        CHECK(m.protect(a, kPage, kProtWrite).error() == Error::kAccess);
        CHECK(m.protect(a + kPage, kPage, kRx).ok());  // not write: fine
        CHECK(m.protect(a + kPage, kPage, kProtNone).ok());
        CHECK(store(m, a, 1) == kSegv);
        // It does not merge with writable memory next to it, and fork keeps it.
        VirtAddr b = m.map(a - kPage, kPage, kRo, kAnonPrivate | kMapFixed).value();
        CHECK(m.regions().find(b)->end == a);
        ProcessMemory child = m.clone_for_fork().release_value();
        CHECK(child.protect(a, kPage, kRw).error() == Error::kAccess);
        CHECK(child.protect(b, kPage, kRw).ok());
        // A plain private mapping may become writable.
        VirtAddr c = m.map(0, kPage, kRo, kAnonPrivate).value();
        CHECK(m.protect(c, kPage, kRw).ok());
    }
    CHECK(ctx.leaked() == 0);
}

// ---- File mappings ----

TEST_CASE("ProcessMemory: private file pages are the file's frames until written") {
    FakeMemoryContext ctx;
    FakeFile file(ctx, 3, 2 * kPage + 100);
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr f = m.map(0, 3 * kPage, kRw, kMapPrivate, &file.backing, 0).value();
        CHECK(load(m, f) == 0x0101010101010101ull);
        auto t = m.space().translate(f).value();
        CHECK(t.phys == file.frames[0]);
        CHECK(t.flags.borrowed);
        CHECK(!t.flags.writable);
        // A write copies; the file is untouched.
        REQUIRE(store(m, f + kPage, 77) == kOk);
        CHECK(m.space().translate(f + kPage).value().phys != file.frames[1]);
        CHECK(static_cast<uint8_t*>(ctx.ram.phys_to_virt(file.frames[1]))[0] == 2);
        CHECK(load(m, f + kPage) == 77);
        // The last page: the file's bytes, then zeros.
        CHECK(load(m, f + 2 * kPage + 96) == 0x0000000003030303ull);
        // An offset: the mapping starts at that file page.
        VirtAddr g = m.map(0, kPage, kRo, kMapPrivate, &file.backing, kPage).value();
        CHECK(load(m, g) == 0x0202020202020202ull);
        // Past the file's last page: SIGBUS.
        VirtAddr h = m.map(0, 4 * kPage, kRo, kMapPrivate, &file.backing, 0).value();
        CHECK(access_page(m, h + 3 * kPage, Access::kRead) == FaultResult::kBus);
        CHECK(access_page(m, h + 2 * kPage, Access::kRead) == kOk);
        // Shared and read-only: the same frames; mprotect cannot add write.
        VirtAddr s = m.map(0, kPage, kRo, kMapShared, &file.backing, 0).value();
        CHECK(load(m, s) == 0x0101010101010101ull);
        CHECK(m.space().translate(s).value().phys == file.frames[0]);
        CHECK(m.protect(s, kPage, kRw).error() == Error::kAccess);
        CHECK(store(m, s, 1) == kSegv);
    }
    CHECK(ctx.leaked() == file.frames.size());
}

TEST_CASE("ProcessMemory: a file without mappable frames is copied page by page") {
    FakeMemoryContext ctx;
    FakeFile file(ctx, 2, kPage + 10);
    file.backing.phys = 0;
    file.backing.mappable = 0;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr f = m.map(0, 2 * kPage, kRo, kMapPrivate, &file.backing, 0).value();
        CHECK(load(m, f + 8) == 0x0101010101010101ull);
        CHECK(!m.space().translate(f).value().flags.borrowed);
        CHECK(load(m, f + kPage + 8) == 0x0202);
        CHECK(m.space().user_frames() == 2);
    }
    CHECK(ctx.leaked() == file.frames.size());
}

TEST_CASE("ProcessMemory: file regions hold one reference each, at every failing allocation") {
    for (size_t n = 1; n <= 30; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        FakeFile file(ctx, 4, 4 * kPage);
        FileBacking& b = file.backing;
        {
            ProcessMemory m = make_memory(ctx, kLinux);
            // Enough regions that the map's first block is full.
            for (int i = 0; i < 4; ++i)
                REQUIRE(m.map(0, kPage, i % 2 ? kRo : kRw, kAnonPrivate).ok());
            ctx.allocator.fail_at(n);
            auto f = m.map(0, 4 * kPage, kRo, kMapPrivate, &b, 0);
            ctx.allocator.never_fail();
            if (!f.ok()) {
                CHECK(f.error() == Error::kNoMemory);
                CHECK(b.reference_count() == 1);
                continue;
            }
            CHECK(b.reference_count() == 2);
            const VirtAddr at = f.value();
            REQUIRE(access_page(m, at + kPage, Access::kRead) == kOk);
            ctx.allocator.fail_at(n);
            auto u = m.unmap(at + kPage, kPage);             // a split: two regions
            auto p = m.protect(at + 3 * kPage, kPage, kRw);  // a split unless merged
            ctx.allocator.never_fail();
            size_t file_regions = 0;
            for (size_t i = 0; i < m.regions().count(); ++i)
                file_regions += m.regions()[i].file == &b;
            CHECK(file_regions == 1 + (u.ok() ? 1 : 0) + (p.ok() ? 1 : 0));
            CHECK(b.reference_count() == 1 + file_regions);
            // fork takes one per region; a failed one none.
            ctx.allocator.fail_at(n);
            auto child = m.clone_for_fork();
            ctx.allocator.never_fail();
            CHECK(b.reference_count() == 1 + file_regions * (child.ok() ? 2 : 1));
            // MAP_FIXED over the whole file mapping drops the parent's.
            REQUIRE(m.map(at, 4 * kPage, kRw, kAnonPrivate | kMapFixed).ok());
            CHECK(b.reference_count() == 1 + (child.ok() ? file_regions : 0));
            if (child.ok()) {
                // The child still reads the file; its exit drops the rest.
                CHECK(load(child.value(), at) == 0x0101010101010101ull);
                child.value().release();
            }
            CHECK(b.reference_count() == 1);
            // exec and exit: the map goes with the process's memory.
            REQUIRE(m.map(0, 2 * kPage, kRo, kMapShared, &b, 2 * kPage).ok());
            CHECK(b.reference_count() == 2);
        }
        CHECK(b.reference_count() == 1);
        CHECK(ctx.leaked() == file.frames.size());
    }
}

TEST_CASE("ProcessMemory: a counted backing is destroyed with its last region") {
    FakeMemoryContext ctx;
    FakeFile file(ctx, 2, 2 * kPage);
    static int destroyed;
    destroyed = 0;
    auto* b = new FileBacking;  // count 1: the creator's
    b->data = file.backing.data;
    b->size = file.backing.size;
    b->phys = file.backing.phys;
    b->mappable = file.backing.mappable;
    b->destroy = [](FileBacking* dead) {
        ++destroyed;
        delete dead;
    };
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 2 * kPage, kRo, kMapPrivate, b, 0).value();
        b->release_ref();  // the creator's (the mmap system call's) reference
        ProcessMemory child = m.clone_for_fork().release_value();
        REQUIRE(m.unmap(a, 2 * kPage).ok());
        CHECK(destroyed == 0);  // the child's region keeps it
        CHECK(load(child, a + kPage) == 0x0202020202020202ull);
        child.release();
        CHECK(destroyed == 1);
    }
    CHECK(ctx.leaked() == file.frames.size());
}

// ---- fork ----

namespace {

// A small Linux-style process: a writable data page, a shared page, a
// file page, a stack page.
struct Family {
    explicit Family(FakeMemoryContext& ctx) : file(ctx, 1, kPage) {
        parent = make_memory(ctx, kLinux);
        data = parent.map(0, 4 * kPage, kRw, kAnonPrivate).value();
        shared = parent.map(0, kPage, kRw, kMapAnonymous | kMapShared).value();
        text = parent.map(0, kPage, kRx, kMapPrivate, &file.backing, 0).value();
        REQUIRE(store(parent, data, 1) == kOk);
        REQUIRE(store(parent, data + kPage, 11) == kOk);
        REQUIRE(store(parent, shared, 100) == kOk);
        REQUIRE(store(parent, kLinuxStackTop - 8, 1000) == kOk);
        REQUIRE(access_page(parent, text, Access::kExecute) == kOk);
    }
    FakeFile file;
    ProcessMemory parent;
    VirtAddr data = 0, shared = 0, text = 0;
};

}  // namespace

TEST_CASE("ProcessMemory: fork shares every frame; each write is private to its writer") {
    for (int order = 0; order < 6; ++order) {
        CAPTURE(order);
        FakeMemoryContext ctx;
        Family fam(ctx);
        {
            ProcessMemory& parent = fam.parent;
            ctx.live = parent.space().root();
            ProcessMemory child = parent.clone_for_fork().release_value();
            CHECK(ctx.flushed_roots == std::vector<paging::PhysAddr>{parent.space().root()});
            ProcessMemory grandchild = child.clone_for_fork().release_value();
            ctx.live = ctx.kernel_pml4;
            // Every private frame is shared three ways, read-only.
            auto t = parent.space().translate(fam.data).value();
            CHECK(!t.flags.writable);
            CHECK(ctx.allocator.references(t.phys) == 3);
            CHECK(child.space().translate(fam.data).value().phys == t.phys);
            CHECK(child.current_break() == parent.current_break());
            CHECK(child.regions().count() == parent.regions().count());

            // All three write the same page; nobody sees another's write.
            REQUIRE(store(child, fam.data, 2) == kOk);
            REQUIRE(store(grandchild, fam.data, 3) == kOk);
            REQUIRE(store(parent, fam.data, 4) == kOk);
            CHECK(load(parent, fam.data) == 4);
            CHECK(load(child, fam.data) == 2);
            CHECK(load(grandchild, fam.data) == 3);
            // The last writer kept the original frame (its count was 1 then).
            CHECK(parent.space().translate(fam.data).value().phys == t.phys);
            // Unwritten pages still read the parent's values everywhere.
            CHECK(load(grandchild, fam.data + kPage) == 11);
            CHECK(load(grandchild, kLinuxStackTop - 8) == 1000);
            // Stacks are private too.
            REQUIRE(store(grandchild, kLinuxStackTop - 8, 3000) == kOk);
            CHECK(load(parent, kLinuxStackTop - 8) == 1000);
            // The shared page is one page for all.
            REQUIRE(store(grandchild, fam.shared, 300) == kOk);
            CHECK(load(parent, fam.shared) == 300);
            CHECK(load(child, fam.shared) == 300);
            // File pages stay the file's.
            CHECK(grandchild.space().translate(fam.text).value().phys == fam.file.frames[0]);

            // Destroy in every order; frames return exactly to the baseline.
            std::vector<ProcessMemory*> all = {&parent, &child, &grandchild};
            std::vector<int> idx = {0, 1, 2};
            for (int k = 0; k < order; ++k) std::next_permutation(idx.begin(), idx.end());
            for (int i : idx) {
                all[i]->release();
                // What the others still map is intact.
                for (ProcessMemory* other : all)
                    if (other->space().root()) CHECK(load(*other, fam.shared) == 300);
            }
        }
        // Only the file's frames are left (the test holds them).
        CHECK(ctx.leaked() == fam.file.frames.size());
    }
}

TEST_CASE("ProcessMemory: fork at every failing allocation leaks nothing, parent unchanged") {
    for (size_t n = 1; n <= 40; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        {
            Family fam(ctx);
            ProcessMemory& parent = fam.parent;
            // More private pages, in several page tables.
            VirtAddr big =
                parent.map(0x200000000, 40 * kPage, kRw, kAnonPrivate | kMapFixed).value();
            for (int i = 0; i < 40; ++i) REQUIRE(store(parent, big + i * kPage, 500 + i) == kOk);
            const size_t held = ctx.allocator.outstanding();
            const size_t regions = parent.regions().count();
            const size_t frames = parent.space().user_frames();
            ctx.live = parent.space().root();
            ctx.flushed_roots.clear();
            ctx.allocator.fail_at(n);
            auto child = parent.clone_for_fork();
            ctx.allocator.never_fail();
            ctx.live = ctx.kernel_pml4;
            if (!child.ok()) {
                CHECK(child.error() == Error::kNoMemory);
                CHECK(ctx.allocator.outstanding() == held);
            } else {
                CHECK(fam.file.backing.reference_count() == 3);  // test, parent, child
                child.value().release();
                CHECK(ctx.allocator.outstanding() == held);
            }
            // The child's map took its file references only if it was made.
            CHECK(fam.file.backing.reference_count() == 2);
            // Whatever happened, the parent is as it was (its entries may be
            // read-only; the TLB was flushed if so) and can write again.
            if (!ctx.flushed_roots.empty())
                CHECK(ctx.flushed_roots == std::vector<paging::PhysAddr>{parent.space().root()});
            CHECK(parent.regions().count() == regions);
            CHECK(parent.space().user_frames() == frames);
            for (int i = 0; i < 40; ++i) {
                CHECK(load(parent, big + i * kPage) == uint64_t(500 + i));
                REQUIRE(store(parent, big + i * kPage, i) == kOk);
            }
            CHECK(parent.space().user_frames() == frames);
            CHECK(ctx.allocator.outstanding() == held);  // no copy was needed
        }
        CHECK(ctx.leaked() == 0);
    }
}

TEST_CASE("ProcessMemory: the last reference frees the frame, whoever holds it") {
    FakeMemoryContext ctx;
    {
        ProcessMemory parent = make_memory(ctx, kLinux);
        VirtAddr a = parent.map(0, kPage, kRw, kAnonPrivate).value();
        REQUIRE(store(parent, a, 1) == kOk);
        paging::PhysAddr frame = parent.space().translate(a).value().phys;
        ProcessMemory child = parent.clone_for_fork().release_value();
        CHECK(ctx.allocator.references(frame) == 2);
        parent.release();
        CHECK(ctx.allocator.references(frame) == 1);
        // The child alone now: its write keeps the frame, no copy.
        REQUIRE(store(child, a, 2) == kOk);
        CHECK(child.space().translate(a).value().phys == frame);
        REQUIRE(child.unmap(a, kPage).ok());
        CHECK(!ctx.allocator.in_use(frame));
    }
    CHECK(ctx.leaked() == 0);
}

// ---- mremap ----

TEST_CASE("ProcessMemory: mremap shrinks, grows in place, and moves with the contents") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 4 * kPage, kRw, kAnonPrivate).value();
        for (int i = 0; i < 4; ++i) REQUIRE(store(m, a + i * kPage, 100 + i) == kOk);
        const size_t frames = m.space().user_frames();

        // Shrinking unmaps the tail and returns its frame.
        CHECK(m.remap(a, 4 * kPage, 3 * kPage, 0, 0).value() == a);
        CHECK(m.space().user_frames() == frames - 1);
        CHECK(access_page(m, a + 3 * kPage, Access::kRead) == kSegv);

        // Growing into the free page after it stays in place.
        CHECK(m.remap(a, 3 * kPage, 4 * kPage, 0, 0).value() == a);
        CHECK(load(m, a + 3 * kPage) == 0);  // a fresh demand-zero page
        CHECK(load(m, a + 2 * kPage) == 102);

        // Blocked by a neighbour: ENOMEM without MAYMOVE, a move with it.
        VirtAddr wall = m.map(a + 4 * kPage, kPage, kRo, kAnonPrivate | kMapFixed).value();
        CHECK(m.remap(a, 4 * kPage, 8 * kPage, 0, 0).error() == Error::kNoMemory);
        const size_t before_move = m.space().user_frames();
        VirtAddr b = m.remap(a, 4 * kPage, 8 * kPage, kMremapMayMove, 0).value();
        CHECK(b != a);
        CHECK(m.space().user_frames() == before_move);  // the frames moved, none copied
        for (int i = 0; i < 3; ++i) CHECK(load(m, b + i * kPage) == uint64_t(100 + i));
        CHECK(load(m, b + 7 * kPage) == 0);
        CHECK(access_page(m, a, Access::kRead) == kSegv);
        CHECK(m.regions().find(wall) != nullptr);

        // FIXED moves onto a chosen range, replacing what was there.
        VirtAddr c = 0x200000000;
        REQUIRE(m.map(c, 2 * kPage, kRo, kAnonPrivate | kMapFixed).ok());
        CHECK(m.remap(b, 2 * kPage, 2 * kPage, kMremapMayMove | kMremapFixed, c).value() == c);
        CHECK(load(m, c + kPage) == 101);
        CHECK(store(m, c, 5) == kOk);  // the moved region keeps its protection
        CHECK(access_page(m, b, Access::kRead) == kSegv);
        CHECK(load(m, b + 2 * kPage) == 102);  // the rest stays where it was
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: mremap's errors are Linux's") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        VirtAddr a = m.map(0, 2 * kPage, kRw, kAnonPrivate).value();
        CHECK(m.remap(a, kPage, kPage, 8, 0).error() == Error::kInvalid);
        CHECK(m.remap(a, kPage, kPage, kMremapFixed, 0x200000000).error() == Error::kInvalid);
        CHECK(m.remap(a, kPage, 2 * kPage, kMremapMayMove | kMremapDontUnmap, 0).error() ==
              Error::kInvalid);
        CHECK(m.remap(a + 1, kPage, kPage, 0, 0).error() == Error::kInvalid);
        CHECK(m.remap(a, kPage, 0, 0, 0).error() == Error::kInvalid);
        // Growing what is not mapped, or past its region: EFAULT.
        CHECK(m.remap(0x300000000, kPage, 2 * kPage, kMremapMayMove, 0).error() == Error::kFault);
        CHECK(m.remap(a, 3 * kPage, 4 * kPage, kMremapMayMove, 0).error() == Error::kFault);
        // A private mapping cannot be duplicated (old length 0).
        CHECK(m.remap(a, 0, kPage, kMremapMayMove, 0).error() == Error::kInvalid);
        // Overlapping FIXED ranges; an unaligned new address.
        CHECK(m.remap(a, 2 * kPage, 2 * kPage, kMremapMayMove | kMremapFixed, a + kPage).error() ==
              Error::kInvalid);
        CHECK(m.remap(a, kPage, kPage, kMremapMayMove | kMremapFixed, 0x200000001).error() ==
              Error::kInvalid);
        // Shrinking what is not mapped succeeds, as on Linux.
        CHECK(m.remap(0x300000000, 2 * kPage, kPage, 0, 0).value() == 0x300000000);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: mremap of shared, PROT_NONE and file pages; DONTUNMAP") {
    FakeMemoryContext ctx;
    FakeFile file(ctx, 4, 4 * kPage);
    {
        ProcessMemory m = make_memory(ctx, kLinux);
        // Shared anonymous memory: the frames move, the grown tail is filled.
        VirtAddr s = m.map(0, 2 * kPage, kRw, kAnonPrivate | kMapShared).value();
        REQUIRE(store(m, s, 9) == kOk);
        size_t frames = m.space().user_frames();
        VirtAddr s2 = m.remap(s, 2 * kPage, 3 * kPage, kMremapMayMove, 0).value();
        CHECK(m.space().user_frames() == frames + 1);
        CHECK(load(m, s2) == 9);
        CHECK(m.regions().find(s2)->shared());

        // PROT_NONE pages keep their frame and stay out of user reach.
        VirtAddr n = m.map(0, kPage, kRw, kAnonPrivate).value();
        REQUIRE(store(m, n, 3) == kOk);
        REQUIRE(m.protect(n, kPage, kProtNone).ok());
        VirtAddr n2 = m.remap(n, kPage, kPage, kMremapMayMove | kMremapFixed, 0x210000000).value();
        CHECK(access_page(m, n2, Access::kRead) == kSegv);
        REQUIRE(m.protect(n2, kPage, kRo).ok());
        CHECK(load(m, n2) == 3);

        // A file mapping moved keeps mapping the same file pages, and grown
        // it maps the next ones.
        VirtAddr f = m.map(0, 2 * kPage, kRo, kMapPrivate, &file.backing, kPage).value();
        CHECK((load(m, f) & 0xff) == 2);
        VirtAddr f2 = m.remap(f, kPage, 3 * kPage, kMremapMayMove, 0).value();
        CHECK((load(m, f2) & 0xff) == 2);
        CHECK((load(m, f2 + 2 * kPage) & 0xff) == 4);

        // DONTUNMAP: the source stays mapped and reads zeros again.
        VirtAddr d = m.map(0, kPage, kRw, kAnonPrivate).value();
        REQUIRE(store(m, d, 11) == kOk);
        VirtAddr d2 = m.remap(d, kPage, kPage, kMremapMayMove | kMremapDontUnmap, 0).value();
        CHECK(load(m, d2) == 11);
        CHECK(load(m, d) == 0);
        CHECK(m.remap(s2, kPage, kPage, kMremapMayMove | kMremapDontUnmap, 0).error() ==
              Error::kInvalid);
    }
    CHECK(ctx.leaked() == file.frames.size());  // the file's own, until it goes
}

TEST_CASE("ProcessMemory: mremap at every failing allocation leaks nothing, all or nothing") {
    for (size_t n = 1; n <= 20; ++n) {
        CAPTURE(n);
        FakeMemoryContext ctx;
        {
            ProcessMemory m = make_memory(ctx, kLinux);
            VirtAddr a = m.map(0, 3 * kPage, kRw, kAnonPrivate | kMapShared).value();
            for (int i = 0; i < 3; ++i) REQUIRE(store(m, a + i * kPage, 40 + i) == kOk);
            REQUIRE(m.map(a + 3 * kPage, kPage, kRo, kAnonPrivate | kMapFixed).ok());
            const size_t regions = m.regions().count();
            const size_t frames = m.space().user_frames();
            ctx.allocator.fail_at(n);
            // A move far away (new page tables) that grows a shared mapping.
            auto moved =
                m.remap(a, 3 * kPage, 5 * kPage, kMremapMayMove | kMremapFixed, 0x6000000000);
            ctx.allocator.never_fail();
            if (moved.ok()) {
                CHECK(m.space().user_frames() == frames + 2);
                for (int i = 0; i < 3; ++i)
                    CHECK(load(m, 0x6000000000 + i * kPage) == uint64_t(40 + i));
            } else {
                CHECK(moved.error() == Error::kNoMemory);
                CHECK(m.regions().count() == regions);
                CHECK(m.space().user_frames() == frames);
                for (int i = 0; i < 3; ++i) CHECK(load(m, a + i * kPage) == uint64_t(40 + i));
            }
        }
        CHECK(ctx.leaked() == 0);
    }
}
