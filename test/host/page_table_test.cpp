// PageTable<Env> against a fake RAM arena and an allocator that fails its
// Nth allocation. Every public operation is run for N = 1..k; each run checks
// that no frame leaked and that a failed operation left every translation
// (and every table) exactly as it was.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "fake_ram.h"
#include "nyanos/paging/page_table.h"

using namespace nyanos;
using namespace nyanos::paging;
using namespace nyanos::test;

namespace {

using Table = PageTable<FakePagingEnv>;

constexpr PageFlags kKernelRw{.writable = true};
constexpr PageFlags kUserRw{.writable = true, .user = true};
constexpr PageFlags kUserRx{.executable = true, .user = true};
constexpr VirtAddr kKernelBase = 0xffff800000000000ull;

// A fresh PML4 over its own arena.
struct Fixture {
    explicit Fixture(size_t frames = 256)
        : ram(frames), allocator(ram), env{ram, allocator, {}}, pt(env, make_root()) {}

    PhysAddr make_root() { return allocator.allocate().release_value(); }

    FakeRam ram;
    FailingFrameAllocator allocator;
    FakePagingEnv env;
    Table pt;
};

struct Leaf {
    uint64_t raw;
    int level;
    bool operator==(const Leaf&) const = default;
};

// Everything reachable from the root, read straight from the fake RAM
// without going through PageTable: every leaf by canonical address, and
// every table frame. Also checks that no kSoftwareNew mark survived an
// operation.
struct Dump {
    std::map<VirtAddr, Leaf> leaves;
    std::set<PhysAddr> tables;
    std::vector<std::pair<int, uint64_t>> intermediate;  // (pml4 index, raw) of tables
    bool operator==(const Dump& o) const { return leaves == o.leaves && tables == o.tables; }
};

VirtAddr sign_extend(uint64_t va) {
    return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : va;
}

void dump_table(FakeRam& ram, PhysAddr phys, int level, uint64_t base, Dump& out) {
    out.tables.insert(phys);
    auto* entries = static_cast<PageTableEntry*>(ram.phys_to_virt(phys));
    uint64_t span = 1ull << (12 + 9 * (level - 1));
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
        PageTableEntry e = entries[i];
        if (!e.present()) continue;
        CHECK_MESSAGE(!e.software_new(), "a kSoftwareNew mark survived");
        uint64_t va = base + i * span;
        if (level == 1 || ((level == 2 || level == 3) && e.huge())) {
            out.leaves[sign_extend(va)] = Leaf{e.raw(), level};
        } else {
            out.intermediate.push_back({int(pml4_index(va)), e.raw()});
            dump_table(ram, e.address(), level - 1, va, out);
        }
    }
}

Dump dump(Fixture& f) {
    Dump d;
    dump_table(f.ram, f.pt.root(), 4, 0, d);
    return d;
}

struct Probe {
    bool ok;
    Error error;
    PhysAddr phys;
    PageFlags flags;
    PageSize size;
    bool operator==(const Probe&) const = default;
};

// translate() at 4 KiB steps over [va, va+length) (sampled every 2 MiB in
// the middle of long ranges), plus the pages just outside.
std::vector<Probe> snapshot(Table& pt, VirtAddr va, uint64_t length) {
    std::vector<VirtAddr> points;
    auto add = [&](VirtAddr v) {
        if (is_canonical(v)) points.push_back(v);
    };
    add(va - kPageSize);
    for (uint64_t off = 0; off < length;) {
        add(va + off);
        add(va + off + kPageSize - 1);
        bool edge = off < (64ull << 12) || length - off <= (64ull << 12);
        off += edge ? kPageSize : kLargePageSize;
    }
    add(va + length);
    std::vector<Probe> out;
    for (VirtAddr v : points) {
        auto t = pt.translate(v);
        if (t.ok())
            out.push_back({true, {}, t.value().phys, t.value().flags, t.value().size});
        else
            out.push_back({false, t.error(), 0, {}, PageSize::k4K});
    }
    return out;
}

// Runs `op` on a fixture prepared by `setup`, with the allocator failing at
// N = 1, 2, ...: first failing at N and at every allocation after it, then
// (on a fresh fixture) failing at N alone, so that later allocations
// succeed. A failed run must leave the frame count, every table and every
// translation over [va, va+length) unchanged. Each pass stops at the first N
// where op succeeds, which must come by max_n; `verify` then checks the
// second pass's result. Returns the number of allocations success needed.
size_t run_with_failures(const std::function<void(Fixture&)>& setup, VirtAddr va, uint64_t length,
                         const std::function<Result<void>(Fixture&)>& op,
                         const std::function<void(Fixture&)>& verify, size_t max_n = 64,
                         size_t frames = 600) {
    size_t needed = 0;
    for (bool and_after : {true, false}) {
        auto f = std::make_unique<Fixture>(frames);
        setup(*f);
        const size_t baseline = f->allocator.outstanding();
        const Dump before = dump(*f);
        const auto probes_before = snapshot(f->pt, va, length);
        for (size_t n = 1;; ++n) {
            REQUIRE(n <= max_n);
            f->allocator.fail_at(n, and_after);
            Result<void> r = op(*f);
            f->allocator.never_fail();
            if (r.ok()) {
                if (needed) CHECK(needed == n - 1);  // both passes agree
                needed = n - 1;
                if (!and_after) verify(*f);
                break;
            }
            INFO("failing at allocation ", n, and_after ? " and after" : "");
            CHECK(r.error() == Error::kNoMemory);
            CHECK(f->allocator.outstanding() == baseline);
            CHECK(dump(*f) == before);
            CHECK(snapshot(f->pt, va, length) == probes_before);
        }
    }
    return needed;
}

void check_maps(Table& pt, VirtAddr va, PhysAddr pa, uint64_t length, PageFlags flags) {
    for (uint64_t off = 0; off < length; off += kPageSize) {
        if (off > (64ull << 12) && length - off > (64ull << 12) && off % kLargePageSize) continue;
        auto t = pt.translate(va + off);
        REQUIRE(t.ok());
        uint64_t size = page_size_bytes(t.value().size);
        CHECK(t.value().phys + ((va + off) & (size - 1)) == pa + off);
        CHECK(t.value().flags == flags);
    }
}

}  // namespace

TEST_CASE("page table: map, translate, unmap one user page") {
    Fixture f;
    REQUIRE(f.pt.map(0x400000, 0x200000, kUserRw).ok());
    auto t = f.pt.translate(0x400123);
    REQUIRE(t.ok());
    CHECK(t.value().phys == 0x200000);
    CHECK(t.value().flags == kUserRw);
    CHECK(t.value().size == PageSize::k4K);
    CHECK(f.allocator.outstanding() == 4);  // PML4 + PDPT + PD + PT
    CHECK(f.pt.map(0x400000, 0x300000, kUserRw).error() == Error::kExists);
    CHECK(f.allocator.outstanding() == 4);
    auto u = f.pt.unmap(0x400000);
    REQUIRE(u.ok());
    CHECK(u.value().phys == 0x200000);
    CHECK(f.pt.translate(0x400000).error() == Error::kNoEntry);
    CHECK(f.pt.unmap(0x400000).error() == Error::kNoEntry);
    // Tables stay until the address space is destroyed.
    CHECK(f.allocator.outstanding() == 4);
}

TEST_CASE("page table: map of each page size under a failing allocator") {
    struct Case {
        const char* name;
        VirtAddr va;
        PhysAddr pa;
        PageSize size;
        PageFlags flags;
        size_t tables;  // allocations on an empty PML4
    };
    const Case cases[] = {
        {"4K user", 0x400000, 0x1234000, PageSize::k4K, kUserRw, 3},
        {"4K kernel", 0xffffffff80001000ull, 0x5000, PageSize::k4K, kKernelRw, 3},
        {"2M user", 0x40000000, 0x200000, PageSize::k2M, kUserRx, 2},
        {"2M kernel", kKernelBase + (5ull << 21), 0x400000, PageSize::k2M, kKernelRw, 2},
        {"1G user", 0x40000000, 0x80000000, PageSize::k1G, kUserRw, 1},
        {"1G kernel", kKernelBase + (3ull << 30), 0xc0000000, PageSize::k1G, kKernelRw, 1},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        uint64_t len = page_size_bytes(c.size);
        size_t needed =
            run_with_failures([](Fixture&) {}, c.va, len,
                              [&](Fixture& f) { return f.pt.map(c.va, c.pa, c.flags, c.size); },
                              [&](Fixture& f) {
                                  CHECK(f.allocator.outstanding() == 1 + c.tables);
                                  auto t = f.pt.translate(c.va + len - 1);
                                  REQUIRE(t.ok());
                                  CHECK(t.value().phys == c.pa);
                                  CHECK(t.value().size == c.size);
                                  CHECK(t.value().flags == c.flags);
                                  // With the tables in place, the next page needs none.
                                  size_t before = f.allocator.outstanding();
                                  f.allocator.fail_at(1, true);
                                  CHECK(f.pt.map(c.va + len, c.pa, c.flags, c.size).ok());
                                  f.allocator.never_fail();
                                  CHECK(f.allocator.outstanding() == before);
                              });
        CHECK(needed == c.tables);
        // With the upper tables already there, only the missing ones count.
        if (c.size == PageSize::k4K) {
            needed = run_with_failures(
                [&](Fixture& f) { REQUIRE(f.pt.map(c.va + (2ull << 21), 0x1000, c.flags).ok()); },
                c.va, len, [&](Fixture& f) { return f.pt.map(c.va, c.pa, c.flags); },
                [&](Fixture& f) { CHECK(f.pt.translate(c.va).value().phys == c.pa); });
            CHECK(needed == 1);
        }
    }
}

TEST_CASE("page table: map_range across table boundaries, both halves, failing at every N") {
    struct Case {
        const char* name;
        VirtAddr va;
        uint64_t length;
        PageFlags flags;
        LargePages large;
        size_t tables;  // allocations needed next to the neighbour page
    };
    const Case cases[] = {
        // Crosses a PT boundary (one PD, two PTs).
        {"user, PT boundary", 0x1ff000, 0x2000, kUserRw, {}, 1},
        // Crosses a PML4 boundary: PDPT, PD, PT on the far side.
        {"user, PML4 boundary", (1ull << 39) - 0x3000, 0x6000, kUserRw, {}, 3},
        {"kernel, PML4 boundary", 0xffff900000000000ull - 0x3000, 0x6000, kKernelRw, {}, 3},
        // The last page of the address space: va + length wraps to 0.
        {"kernel, top page", 0xfffffffffffff000ull, 0x1000, kKernelRw, {}, 0},
        // 4K head, 2M body, 4K tail: the tail needs its own PT.
        {"user, mixed 4K/2M", 0x3fe000, (4ull << 20) + 0x3000, kUserRw, {.allow_2m = true}, 1},
        // 2M head, 1G body, 2M tail, across a PDPT boundary inside one PML4
        // entry: the tail needs a PD.
        {"kernel, mixed 2M/1G",
         kKernelBase + (1ull << 30) - (4ull << 20),
         (1ull << 30) + (8ull << 20),
         kKernelRw,
         {.allow_2m = true, .allow_1g = true},
         1},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        // Something already mapped just below, so the walk meets both existing
        // and fresh tables.
        VirtAddr neighbour = c.va - 0x10000;
        PhysAddr pa = 0x40000000 + (c.va & (kHugePageSize - 1));
        size_t needed = run_with_failures(
            [&](Fixture& f) { REQUIRE(f.pt.map(neighbour, 0x7000, c.flags).ok()); }, c.va, c.length,
            [&](Fixture& f) { return f.pt.map_range(c.va, pa, c.length, c.flags, c.large); },
            [&](Fixture& f) {
                check_maps(f.pt, c.va, pa, c.length, c.flags);
                CHECK(f.pt.translate(neighbour).value().phys == 0x7000);
                CHECK(dump(f).tables.size() == f.allocator.outstanding());
            });
        CHECK(needed == c.tables);
        // And on an empty PML4, where every table is fresh.
        run_with_failures(
            [](Fixture&) {}, c.va, c.length,
            [&](Fixture& f) { return f.pt.map_range(c.va, pa, c.length, c.flags, c.large); },
            [&](Fixture& f) { check_maps(f.pt, c.va, pa, c.length, c.flags); });
    }
}

TEST_CASE("page table: map_range picks the largest allowed page size") {
    Fixture f;
    VirtAddr va = kKernelBase + (1ull << 30) - 0x3000;
    uint64_t len = 0x3000 + (1ull << 30) + (2ull << 20) + 0x1000;
    REQUIRE(
        f.pt.map_range(va, va - kKernelBase, len, kKernelRw, {.allow_2m = true, .allow_1g = true})
            .ok());
    std::map<int, int> by_level;
    for (auto& [v, leaf] : dump(f).leaves) ++by_level[leaf.level];
    CHECK(by_level[1] == 4);  // three 4K before the 1G boundary, one after the 2M page
    CHECK(by_level[2] == 1);
    CHECK(by_level[3] == 1);
    CHECK(f.pt.translate(va + 0x3000).value().size == PageSize::k1G);
    CHECK(f.pt.translate(va + 0x3000 + (1ull << 30)).value().size == PageSize::k2M);

    // Without permission for large pages, only 4K leaves.
    Fixture g;
    REQUIRE(g.pt.map_range(0x200000, 0x200000, 4ull << 20, kUserRw).ok());
    for (auto& [v, leaf] : dump(g).leaves) CHECK(leaf.level == 1);
    CHECK(dump(g).leaves.size() == 1024);
}

TEST_CASE("page table: a large page over a lingering empty table uses smaller pages") {
    Fixture f;
    REQUIRE(f.pt.map(0x200000, 0x9000, kUserRw).ok());
    REQUIRE(f.pt.unmap(0x200000).ok());
    size_t before = f.allocator.outstanding();
    REQUIRE(f.pt.map(0x200000, 0x400000, kUserRw, PageSize::k2M).ok());
    CHECK(f.allocator.outstanding() == before);
    check_maps(f.pt, 0x200000, 0x400000, kLargePageSize, kUserRw);
    CHECK(f.pt.translate(0x200000).value().size == PageSize::k4K);
    // A 1G request over a lingering PD falls back to 2M pages where it can.
    REQUIRE(f.pt.map(0x40000000, 0x9000, kUserRw).ok());
    REQUIRE(f.pt.unmap(0x40000000).ok());
    REQUIRE(f.pt.map(0x40000000, 0x80000000, kUserRw, PageSize::k1G).ok());
    CHECK(f.pt.translate(0x40000000).value().size == PageSize::k4K);  // the lingering PT
    CHECK(f.pt.translate(0x40200000).value().size == PageSize::k2M);
    check_maps(f.pt, 0x40000000, 0x80000000, kHugePageSize, kUserRw);
}

TEST_CASE("page table: map over anything already mapped is kExists and changes nothing") {
    Fixture f;
    REQUIRE(f.pt.map(0x200000, 0x600000, kUserRw, PageSize::k2M).ok());
    REQUIRE(f.pt.map(0x40000000, 0x40000000, kUserRw, PageSize::k1G).ok());
    REQUIRE(f.pt.map(0x80001000, 0x1000, kUserRw).ok());
    auto before = dump(f);
    size_t frames = f.allocator.outstanding();
    // 4K inside a 2M leaf.
    CHECK(f.pt.map(0x201000, 0x1000, kUserRw).error() == Error::kExists);
    // 2M over a 2M leaf.
    CHECK(f.pt.map(0x200000, 0x1000000, kUserRw, PageSize::k2M).error() == Error::kExists);
    // 4K and 2M inside a 1G leaf.
    CHECK(f.pt.map(0x40203000, 0x1000, kUserRw).error() == Error::kExists);
    CHECK(f.pt.map(0x40200000, 0x200000, kUserRw, PageSize::k2M).error() == Error::kExists);
    // 2M and 1G over a table holding a 4K page.
    CHECK(f.pt.map(0x80000000, 0x200000, kUserRw, PageSize::k2M).error() == Error::kExists);
    CHECK(f.pt.map(0x80000000, 0x40000000, kUserRw, PageSize::k1G).error() == Error::kExists);
    // A range whose tail hits the 2M leaf: the head it mapped is rolled back.
    CHECK(f.pt.map_range(0x100000, 0x1000, 0x101000, kUserRw).error() == Error::kExists);
    // A range that needs fresh tables before it hits an existing page.
    CHECK(f.pt.map_range(0x7fe00000, 0x1000, 0x202000, kUserRw).error() == Error::kExists);
    CHECK(dump(f) == before);
    CHECK(f.allocator.outstanding() == frames);
}

TEST_CASE("page table: bad arguments are kInvalid and touch nothing") {
    Fixture f;
    REQUIRE(f.pt.map(0x400000, 0x1000, kUserRw).ok());
    auto before = dump(f);
    size_t frames = f.allocator.outstanding();
    f.env.invalidated.clear();
    const VirtAddr non_canonical = 0x0000800000000000ull;
    const VirtAddr user_top = 0x00007ffffffff000ull;

    // Unaligned virtual, physical, length; zero length.
    CHECK(f.pt.map(0x400800, 0x2000, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.map(0x401000, 0x2010, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.map_range(0x401000, 0x2000, 0x1800, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.map_range(0x401000, 0x2000, 0, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.map(0x401000, 0x2000, kUserRw, PageSize::k2M).error() == Error::kInvalid);
    CHECK(f.pt.map(0x200000, 0x1000, kUserRw, PageSize::k2M).error() == Error::kInvalid);
    CHECK(f.pt.map(0x40000000, 0x200000, kUserRw, PageSize::k1G).error() == Error::kInvalid);
    // Non-canonical, crossing the hole in either direction, wrapping.
    CHECK(f.pt.map(non_canonical, 0x1000, kKernelRw).error() == Error::kInvalid);
    CHECK(f.pt.map(0xffff7ffffffff000ull, 0x1000, kKernelRw).error() == Error::kInvalid);
    CHECK(f.pt.map_range(user_top, 0x1000, 0x2000, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.map_range(0xffff7ffffffff000ull, 0x1000, 0x2000, kKernelRw).error() ==
          Error::kInvalid);
    CHECK(f.pt.map_range(0xfffffffffffff000ull, 0x1000, 0x2000, kKernelRw).error() ==
          Error::kInvalid);
    CHECK(f.pt.map_range(0x1000, 0x1000, 0ull - 0x1000, kUserRw).error() == Error::kInvalid);
    // Physical addresses the PTE cannot hold, and physical wrap.
    CHECK(f.pt.map(0x401000, 1ull << 52, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.map_range(0x401000, 0xfffffffffffff000ull, 0x2000, kUserRw).error() ==
          Error::kInvalid);
    // A user page in the kernel half.
    CHECK(f.pt.map(kKernelBase, 0x1000, kUserRw).error() == Error::kInvalid);

    // unmap/protect: unaligned, non-canonical, not the start of the leaf.
    CHECK(f.pt.unmap(0x400800).error() == Error::kInvalid);
    CHECK(f.pt.unmap(non_canonical).error() == Error::kInvalid);
    CHECK(f.pt.protect(0x400008, kUserRx).error() == Error::kInvalid);
    CHECK(f.pt.protect(non_canonical, kKernelRw).error() == Error::kInvalid);
    CHECK(f.pt.translate(non_canonical).error() == Error::kInvalid);
    CHECK(f.pt.translate(0x1234567800000000ull).error() == Error::kInvalid);
    // Absent pages.
    CHECK(f.pt.unmap(0x402000).error() == Error::kNoEntry);
    CHECK(f.pt.protect(0x402000, kUserRw).error() == Error::kNoEntry);
    CHECK(f.pt.unmap(kKernelBase).error() == Error::kNoEntry);

    CHECK(dump(f) == before);
    CHECK(f.allocator.outstanding() == frames);
    CHECK(f.env.invalidated.empty());

    // A 4K-aligned address inside a 2M leaf would drop the whole leaf.
    REQUIRE(f.pt.map(0x600000, 0x800000, kUserRw, PageSize::k2M).ok());
    CHECK(f.pt.unmap(0x601000).error() == Error::kInvalid);
    CHECK(f.pt.protect(0x601000, kUserRx).error() == Error::kInvalid);
    CHECK(f.pt.translate(0x601000).value().flags == kUserRw);
    // A user flag given to a kernel page by protect.
    REQUIRE(f.pt.map(kKernelBase, 0x1000, kKernelRw).ok());
    CHECK(f.pt.protect(kKernelBase, kUserRw).error() == Error::kInvalid);
    CHECK(f.pt.translate(kKernelBase).value().flags == kKernelRw);
}

TEST_CASE("page table: unmap and protect invalidate exactly the changed pages") {
    Fixture f;
    REQUIRE(f.pt.map_range(0x400000, 0x10000, 0x3000, kUserRw).ok());
    REQUIRE(f.pt.map(0x800000, 0xa00000, kUserRw, PageSize::k2M).ok());
    REQUIRE(f.pt.map(kKernelBase + (1ull << 30), 0, kKernelRw, PageSize::k1G).ok());
    // Mapping into empty slots needs no invalidation.
    CHECK(f.env.invalidated.empty());
    size_t frames = f.allocator.outstanding();

    f.allocator.fail_at(1, true);  // none of these may allocate
    REQUIRE(f.pt.protect(0x401000, kUserRx).ok());
    CHECK(f.env.invalidated == std::vector<VirtAddr>{0x401000});
    CHECK(f.pt.translate(0x401000).value().flags == kUserRx);
    CHECK(f.pt.translate(0x401000).value().phys == 0x11000);
    CHECK(f.pt.translate(0x400000).value().flags == kUserRw);

    REQUIRE(f.pt.protect(0x800000, kUserRx).ok());
    CHECK(f.env.invalidated.back() == 0x800000);
    CHECK(f.pt.translate(0x9fffff).value().flags == kUserRx);
    CHECK(f.pt.translate(0x9fffff).value().size == PageSize::k2M);

    auto u = f.pt.unmap(kKernelBase + (1ull << 30));
    REQUIRE(u.ok());
    CHECK(u.value().size == PageSize::k1G);
    CHECK(f.env.invalidated.back() == kKernelBase + (1ull << 30));

    auto u2 = f.pt.unmap(0x402000);
    REQUIRE(u2.ok());
    CHECK(u2.value().phys == 0x12000);
    CHECK(f.env.invalidated.back() == 0x402000);
    CHECK(f.env.invalidated.size() == 4);
    // Absent entries: nothing to invalidate.
    CHECK(f.pt.unmap(0x402000).error() == Error::kNoEntry);
    CHECK(f.pt.protect(0x403000, kUserRw).error() == Error::kNoEntry);
    CHECK(f.env.invalidated.size() == 4);
    f.allocator.never_fail();
    CHECK(f.allocator.outstanding() == frames);
}

TEST_CASE("page table: unmap, protect and translate never allocate, whatever N") {
    for (size_t n = 1; n <= 3; ++n) {
        Fixture f;
        REQUIRE(f.pt.map_range(0x1ff000, 0x1000, 0x3000, kUserRw).ok());
        REQUIRE(f.pt.map(0xffffffff80000000ull, 0x200000, kKernelRw, PageSize::k2M).ok());
        size_t frames = f.allocator.outstanding();
        size_t attempts = f.allocator.attempts();
        f.allocator.fail_at(n, true);
        CHECK(f.pt.translate(0x200000).ok());
        CHECK(f.pt.protect(0x200000, kUserRx).ok());
        CHECK(f.pt.unmap(0x1ff000).ok());
        CHECK(f.pt.protect(0xffffffff80000000ull, PageFlags{}).ok());
        CHECK(f.pt.unmap(0xffffffff80000000ull).ok());
        CHECK(f.allocator.attempts() == attempts);
        CHECK(f.allocator.outstanding() == frames);
        f.allocator.never_fail();
    }
}

TEST_CASE("page table: reads the 2 MiB and 1 GiB leaves a boot loader wrote") {
    Fixture f;
    // Hand-built, the way a loader leaves them: a 1G leaf (HHDM) and a 2M
    // leaf with the PAT bit (bit 12) set, which must not read as address.
    PhysAddr pdpt = f.allocator.allocate().release_value();
    PhysAddr pd = f.allocator.allocate().release_value();
    auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
    auto* pdpt_v = static_cast<PageTableEntry*>(f.ram.phys_to_virt(pdpt));
    auto* pd_v = static_cast<PageTableEntry*>(f.ram.phys_to_virt(pd));
    pml4[256] = PageTableEntry::table(pdpt, false);
    pdpt_v[1] = PageTableEntry(0x40000000 | PageTableEntry::kPresent | PageTableEntry::kWritable |
                               PageTableEntry::kHuge | PageTableEntry::kGlobal |
                               PageTableEntry::kNoExecute | PageTableEntry::kAccessed);
    pdpt_v[2] = PageTableEntry::table(pd, false);
    pd_v[3] = PageTableEntry(0x600000 | (1ull << 12) | PageTableEntry::kPresent |
                             PageTableEntry::kHuge | PageTableEntry::kDirty);

    auto g = f.pt.translate(kKernelBase + (1ull << 30) + 0x12345678);
    REQUIRE(g.ok());
    CHECK(g.value().size == PageSize::k1G);
    CHECK(g.value().phys == 0x40000000);
    CHECK(g.value().flags == PageFlags{.writable = true, .global = true});

    auto m = f.pt.translate(kKernelBase + (2ull << 30) + (3ull << 21) + 0x1fffff);
    REQUIRE(m.ok());
    CHECK(m.value().size == PageSize::k2M);
    CHECK(m.value().phys == 0x600000);
    CHECK(m.value().flags == PageFlags{.executable = true});

    CHECK(f.pt.translate(kKernelBase + (2ull << 30) + (4ull << 21)).error() == Error::kNoEntry);
    CHECK(f.pt.translate(kKernelBase).error() == Error::kNoEntry);
}

TEST_CASE("page table: intermediate entries carry the user bit only in the lower half") {
    Fixture f;
    REQUIRE(f.pt.map(0x400000, 0x1000, kUserRw).ok());
    REQUIRE(f.pt.map(0x500000, 0x1000, kKernelRw).ok());  // a kernel page in the lower half
    REQUIRE(f.pt.map(0x7fffffe00000ull, 0x200000, kUserRw, PageSize::k2M).ok());
    REQUIRE(f.pt.map(kKernelBase + 0x1000, 0x1000, kKernelRw).ok());
    REQUIRE(f.pt.map(0xffffffff80000000ull, 0x200000, kKernelRw, PageSize::k2M).ok());
    auto d = dump(f);
    int lower = 0, upper = 0;
    for (auto& [index, raw] : d.intermediate) {
        PageTableEntry e(raw);
        if (index < 256) {
            ++lower;
            CHECK(e.user());
        } else {
            ++upper;
            CHECK(!e.user());
        }
        CHECK(e.writable());
        CHECK(!e.no_execute());
    }
    CHECK(lower == 3 + 2);  // PDPT, PD, PT for 0x400000; PDPT, PD for the top 2M
    CHECK(upper == 3 + 2);
    CHECK((d.leaves.at(0x500000).raw & PageTableEntry::kUser) == 0);
}

TEST_CASE("page table: populate_kernel_half, failing at every N") {
    size_t needed = run_with_failures(
        [](Fixture& f) {
            REQUIRE(f.pt.map(0xffffffff80000000ull, 0x1000, kKernelRw).ok());  // entry 511
            REQUIRE(f.pt.map(0x1000, 0x1000, kUserRw).ok());
        },
        kKernelBase, 0x1000, [](Fixture& f) { return f.pt.populate_kernel_half(); },
        [](Fixture& f) {
            auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
            for (unsigned i = 256; i < 512; ++i) {
                CHECK(pml4[i].present());
                CHECK(!pml4[i].user());
                CHECK(!pml4[i].software_new());
            }
            CHECK(!pml4[1].present());
            CHECK(f.pt.translate(0xffffffff80000000ull).value().phys == 0x1000);
            // Idempotent, and allocates nothing the second time.
            size_t frames = f.allocator.outstanding();
            REQUIRE(f.pt.populate_kernel_half().ok());
            CHECK(f.allocator.outstanding() == frames);
        },
        300);
    CHECK(needed == 255);
}

TEST_CASE("page table: destroy_user_half frees exactly the user tables, leaves first") {
    for (size_t n = 0; n <= 2; ++n) {
        Fixture f(600);
        REQUIRE(f.pt.populate_kernel_half().ok());
        // Kernel mappings of each size.
        REQUIRE(f.pt.map(0xffffffff80000000ull, 0x100000, kKernelRw).ok());
        REQUIRE(f.pt.map(0xffffffff80200000ull, 0x200000, kKernelRw, PageSize::k2M).ok());
        REQUIRE(f.pt.map(kKernelBase, 0, kKernelRw, PageSize::k1G).ok());
        Dump kernel_before = dump(f);
        auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
        std::vector<uint64_t> kernel_entries;
        for (unsigned i = 256; i < 512; ++i) kernel_entries.push_back(pml4[i].raw());
        std::set<PhysAddr> kernel_tables = kernel_before.tables;
        size_t kernel_frames = f.allocator.outstanding();

        // User mappings of each size over several PML4 entries.
        std::map<VirtAddr, PageSize> expected;
        auto user_map = [&](VirtAddr va, PhysAddr pa, PageSize size) {
            REQUIRE(f.pt.map(va, pa, kUserRw, size).ok());
            expected[va] = size;
        };
        user_map(0x400000, 0x1000, PageSize::k4K);
        user_map(0x401000, 0x2000, PageSize::k4K);
        user_map(0x1ff000, 0x3000, PageSize::k4K);
        user_map(0x600000, 0x200000, PageSize::k2M);
        user_map(0x40000000, 0x40000000, PageSize::k1G);
        user_map(1ull << 39, 0x4000, PageSize::k4K);
        user_map(0x7ffffffff000ull, 0x5000, PageSize::k4K);
        // A table emptied by unmap is freed too.
        REQUIRE(f.pt.map(0x10000000000ull, 0x6000, kUserRw).ok());
        REQUIRE(f.pt.unmap(0x10000000000ull).ok());

        Dump all = dump(f);
        std::set<PhysAddr> user_tables;
        for (PhysAddr t : all.tables)
            if (!kernel_tables.count(t)) user_tables.insert(t);
        CHECK(user_tables.size() == f.allocator.outstanding() - kernel_frames);

        // Leaves are reported before their tables are freed: each call sees
        // the PT that held it still allocated.
        std::map<VirtAddr, Translation> seen;
        size_t leaf_calls = 0;
        f.allocator.fail_at(n + 1, true);  // destroying never allocates
        f.env.invalidated.clear();
        f.pt.destroy_user_half([&](VirtAddr va, const Translation& t) {
            ++leaf_calls;
            CHECK(seen.count(va) == 0);
            seen[va] = t;
            CHECK(f.allocator.outstanding() > kernel_frames);
        });
        f.allocator.never_fail();
        CHECK(leaf_calls == expected.size());
        REQUIRE(seen.size() == expected.size());
        for (auto& [va, size] : expected) {
            REQUIRE(seen.count(va));
            CHECK(seen[va].size == size);
            CHECK(seen[va].flags == kUserRw);
        }
        CHECK(seen[0x401000].phys == 0x2000);
        CHECK(seen[0x40000000].phys == 0x40000000);
        CHECK(f.allocator.outstanding() == kernel_frames);
        for (PhysAddr t : user_tables) CHECK(!f.allocator.in_use(t));
        for (PhysAddr t : kernel_tables) CHECK(f.allocator.in_use(t));
        CHECK(dump(f) == kernel_before);
        for (unsigned i = 0; i < 256; ++i) CHECK(!pml4[i].present());
        for (unsigned i = 256; i < 512; ++i) CHECK(pml4[i].raw() == kernel_entries[i - 256]);
        CHECK(f.env.invalidated.empty());
        // The root stays usable: map again, destroy again.
        REQUIRE(f.pt.map(0x400000, 0x1000, kUserRw).ok());
        f.pt.destroy_user_half([](VirtAddr, const Translation&) {});
        CHECK(f.allocator.outstanding() == kernel_frames);
    }
}

TEST_CASE("page table: failed map_range in a populated kernel half frees nothing shared") {
    // A kernel-stack-like area: a guard page, then pages, in a pre-populated
    // PDPT that must survive every failure.
    VirtAddr base = 0xffffa00000000000ull;
    size_t needed = run_with_failures(
        [](Fixture& f) { REQUIRE(f.pt.populate_kernel_half().ok()); }, base, 5 * kPageSize,
        [&](Fixture& f) {
            return f.pt.map_range(base + kPageSize, 0x20000, 4 * kPageSize, kKernelRw);
        },
        [&](Fixture& f) {
            CHECK(f.pt.translate(base).error() == Error::kNoEntry);
            check_maps(f.pt, base + kPageSize, 0x20000, 4 * kPageSize, kKernelRw);
            auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
            for (unsigned i = 256; i < 512; ++i) CHECK(pml4[i].present());
        });
    CHECK(needed == 2);  // PD + PT
}

// ---- destroy_user_half over several ranges ----

namespace {

// Runs destroy_user_half over `ranges` and returns how often each leaf was
// reported; checks the walk never allocates or invalidates.
std::map<VirtAddr, int> destroy_counting(Fixture& f, const std::vector<VirtRange>& ranges,
                                         std::map<VirtAddr, Translation>* seen = nullptr) {
    std::map<VirtAddr, int> calls;
    size_t attempts = f.allocator.attempts();
    f.env.invalidated.clear();
    f.pt.destroy_user_half(
        [&](VirtAddr va, const Translation& t) {
            ++calls[va];
            if (seen) (*seen)[va] = t;
        },
        ranges.data(), ranges.size());
    CHECK(f.allocator.attempts() == attempts);
    CHECK(f.env.invalidated.empty());
    return calls;
}

}  // namespace

TEST_CASE("page table: destroy_user_half over ranges that share tables visits each leaf once") {
    Fixture f(600);
    REQUIRE(f.pt.populate_kernel_half().ok());
    REQUIRE(f.pt.map(0xffffffff80000000ull, 0x100000, kKernelRw).ok());
    const Dump kernel_before = dump(f);
    const size_t kernel_frames = f.allocator.outstanding();

    std::map<VirtAddr, PhysAddr> expected;
    auto user_map = [&](VirtAddr va, PhysAddr pa, PageSize size = PageSize::k4K) {
        REQUIRE(f.pt.map(va, pa, kUserRw, size).ok());
        expected[va] = pa;
    };
    // Two ranges in the same PT (0x400000..0x600000), one in the next PT of
    // the same PD, one in another PD of the same PDPT, one in another PML4
    // entry, and a 2 MiB leaf reached through two ranges.
    user_map(0x400000, 0x1000);
    user_map(0x401000, 0x2000);
    user_map(0x5ff000, 0x3000);
    user_map(0x600000, 0x4000);
    user_map(0x40000000, 0x5000);
    user_map(1ull << 39, 0x6000);
    user_map(0x800000, 0x200000, PageSize::k2M);
    user_map(0x7ffffffff000ull, 0x7000);
    std::vector<VirtRange> ranges = {
        {0x7ffffffff000ull, 0x800000000000ull},
        {0x5ff000, 0x601000},  // the end of one PT and the start of the next
        {0x400000, 0x402000},  // same PT as the previous range, listed after it
        {0x900000, 0x901000},  // inside the 2 MiB leaf...
        {0x800000, 0x801000},  // ...and its start: one leaf, two ranges
        {1ull << 39, (1ull << 39) + 0x1000},
        {0x40000000, 0x40001000},
        {0x3000000000, 0x3000400000},  // covers nothing that is mapped
        {0x4000000, 0x4000000},        // empty
    };
    std::map<VirtAddr, Translation> seen;
    auto calls = destroy_counting(f, ranges, &seen);
    CHECK(calls.size() == expected.size());
    for (auto& [va, pa] : expected) {
        CAPTURE(va);
        CHECK(calls[va] == 1);
        CHECK(seen[va].phys == pa);
    }
    CHECK(seen[0x800000].size == PageSize::k2M);
    CHECK(f.allocator.outstanding() == kernel_frames);
    CHECK(dump(f) == kernel_before);
    auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
    for (unsigned i = 0; i < 256; ++i) CHECK(!pml4[i].present());
}

TEST_CASE("page table: destroy_user_half with ranges that hold nothing, or none at all") {
    Fixture f(600);
    REQUIRE(f.pt.populate_kernel_half().ok());
    REQUIRE(f.pt.map(0xffffffff80000000ull, 0x100000, kKernelRw).ok());
    REQUIRE(f.pt.map(0x400000, 0x1000, kUserRw).ok());
    const Dump before = dump(f);
    const size_t frames = f.allocator.outstanding();

    SUBCASE("no ranges") {
        CHECK(destroy_counting(f, {}).empty());
        CHECK(f.pt.translate(0x400000).ok());
        CHECK(dump(f) == before);
        CHECK(f.allocator.outstanding() == frames);
    }
    SUBCASE("empty and unmapped ranges, and ranges in the kernel half") {
        auto calls = destroy_counting(f, {{0x400000, 0x400000},
                                          {0x401000, 0x400000},  // hi < lo
                                          {0x10000000000ull, 0x10000001000ull},
                                          {kKernelBase, kKernelBase + 0x200000},
                                          {0xffffffff80000000ull, 0xffffffff80001000ull}});
        CHECK(calls.empty());
        CHECK(f.pt.translate(0x400000).ok());
        CHECK(f.pt.translate(0xffffffff80000000ull).ok());
        CHECK(f.allocator.outstanding() == frames);
        CHECK(dump(f) == before);
    }
    SUBCASE("a range running into the kernel half stops at its edge") {
        REQUIRE(f.pt.map(0x7ffffffff000ull, 0x2000, kUserRw).ok());
        auto calls =
            destroy_counting(f, {{0x7ffffffff000ull, 0xffffffff80001000ull}, {0x400000, 0x401000}});
        CHECK(calls == std::map<VirtAddr, int>{{0x400000, 1}, {0x7ffffffff000ull, 1}});
        CHECK(f.pt.translate(0xffffffff80000000ull).value().phys == 0x100000);
        auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
        for (unsigned i = 0; i < 256; ++i) CHECK(!pml4[i].present());
        // Only the user tables went: 3 + 3 (PDPT, PD, PT each).
        CHECK(f.allocator.outstanding() == frames - 3);
    }
}

TEST_CASE("page table: destroy_user_half with one range per page, shuffled, frees everything") {
    std::mt19937_64 rng(99);
    for (int round = 0; round < 20; ++round) {
        CAPTURE(round);
        Fixture f(2048);
        REQUIRE(f.pt.populate_kernel_half().ok());
        const size_t kernel_frames = f.allocator.outstanding();
        std::set<VirtAddr> mapped;
        std::vector<VirtRange> ranges;
        for (int k = 0; k < 120; ++k) {
            // Clusters, so that many ranges share each table.
            VirtAddr base = (rng() % 4) * (1ull << 39) + (rng() % 3) * (1ull << 30) +
                            (rng() % 3) * (1ull << 21);
            VirtAddr va = base + (rng() % 64) * kPageSize;
            if (mapped.count(va)) continue;
            REQUIRE(f.pt.map(va, 0x1000 * (k + 1), kUserRw).ok());
            mapped.insert(va);
            ranges.push_back({va, va + kPageSize});
        }
        std::shuffle(ranges.begin(), ranges.end(), rng);
        auto calls = destroy_counting(f, ranges);
        CHECK(calls.size() == mapped.size());
        for (auto& [va, n] : calls) {
            CHECK(mapped.count(va));
            CHECK(n == 1);
        }
        CHECK(f.allocator.outstanding() == kernel_frames);
    }
}

TEST_CASE("page table: ranges that split one leaf, or overlap, still report each leaf once") {
    // Unaligned disjoint ranges can share a 4 KiB leaf, and overlapping
    // ranges share leaves and tables: each entry is destroyed once.
    SUBCASE("two halves of one page") {
        Fixture f;
        REQUIRE(f.pt.map(0x400000, 0x1000, kUserRw).ok());
        auto calls = destroy_counting(f, {{0x400000, 0x400800}, {0x400800, 0x401000}});
        CHECK(calls == std::map<VirtAddr, int>{{0x400000, 1}});
        CHECK(f.allocator.outstanding() == 1);  // the root
    }
    SUBCASE("overlapping and repeated ranges") {
        Fixture f;
        std::map<VirtAddr, int> expected;
        for (VirtAddr va : {0x400000ull, 0x401000ull, 0x402000ull, 0x600000ull}) {
            REQUIRE(f.pt.map(va, va, kUserRw).ok());
            expected[va] = 1;
        }
        REQUIRE(f.pt.map(0x800000, 0x800000, kUserRw, PageSize::k2M).ok());
        expected[0x800000] = 1;
        auto calls = destroy_counting(f, {{0x400000, 0x402000},
                                          {0x401000, 0x403000},
                                          {0x400000, 0x403000},
                                          {0x3ff000, 0x601000},
                                          {0x800000, 0xa00000},
                                          {0x900000, 0x901000}});
        CHECK(calls == expected);
        CHECK(f.allocator.outstanding() == 1);
    }
}

namespace {

// FakePagingEnv that, like the kernel's after init_vmm(), refuses to create
// kernel-half PML4 entries.
struct SealedEnv : FakePagingEnv {
    bool sealed = true;
    bool may_add_kernel_pml4_entry() const { return !sealed; }
};

}  // namespace

TEST_CASE("page table: a sealed kernel half never gets a new PML4 entry") {
    FakeRam ram(600);
    FailingFrameAllocator allocator(ram);
    SealedEnv env{{ram, allocator, {}}};
    PageTable<SealedEnv> pt(env, allocator.allocate().release_value());
    auto* pml4 = static_cast<PageTableEntry*>(ram.phys_to_virt(pt.root()));
    // Only entries 256 and 511 are populated, as init_vmm does for its areas.
    REQUIRE(pt.populate_kernel_half([](unsigned i) { return i == 256 || i == 511; }).ok());
    CHECK(allocator.outstanding() == 3);
    for (unsigned i = 256; i < 512; ++i) CHECK(pml4[i].present() == (i == 256 || i == 511));

    // Inside a present entry: the tables below the PDPT are created as usual.
    REQUIRE(pt.map(kKernelBase + 0x1000, 0x1000, kKernelRw).ok());
    REQUIRE(pt.map(0xffffffff80000000ull, 0x2000, kKernelRw).ok());
    size_t frames = allocator.outstanding();

    // An absent entry: kInvalid, nothing allocated, nothing mapped, and a
    // range that starts in a present entry is rolled back whole.
    CHECK(pt.map(0xffffe00000000000ull, 0x3000, kKernelRw).error() == Error::kInvalid);
    CHECK(pt.map(0xffff808000000000ull, 0x3000, kKernelRw, PageSize::k1G).error() ==
          Error::kInvalid);
    VirtAddr straddle = 0xffff808000000000ull - 2 * kPageSize;  // end of entry 256
    CHECK(pt.map_range(straddle, 0x4000, 4 * kPageSize, kKernelRw).error() == Error::kInvalid);
    CHECK(pt.translate(straddle).error() == Error::kNoEntry);
    CHECK(allocator.outstanding() == frames);
    CHECK(!pml4[257].present());
    CHECK(!pml4[448].present());

    // The user half is not affected by the seal.
    REQUIRE(pt.map(0x400000, 0x5000, kUserRw).ok());
    // Unsealed (the loaders, early boot), the entry may be created.
    env.sealed = false;
    REQUIRE(pt.map(0xffffe00000000000ull, 0x3000, kKernelRw).ok());
    CHECK(pml4[448].present());
    pt.destroy_user_half([](VirtAddr, const Translation&) {});
}

TEST_CASE("page table: populate_kernel_half with a predicate, failing at every N") {
    auto wanted = [](unsigned i) { return i == 256 || i == 257 || i == 384 || i == 416; };
    size_t needed = run_with_failures(
        [](Fixture& f) {
            REQUIRE(f.pt.map(0xffffffff80000000ull, 0x1000, kKernelRw).ok());  // entry 511
        },
        kKernelBase, 0x1000, [&](Fixture& f) { return f.pt.populate_kernel_half(wanted); },
        [&](Fixture& f) {
            auto* pml4 = static_cast<PageTableEntry*>(f.ram.phys_to_virt(f.pt.root()));
            for (unsigned i = 256; i < 511; ++i) CHECK(pml4[i].present() == wanted(i));
            CHECK(pml4[511].present());
        });
    CHECK(needed == 4);
}

TEST_CASE("page table: leaf_table creates the tables down to a leaf table, failing at every N") {
    // Blocks across a PD and a PML4 boundary, as fork fills a child; each
    // slot written through the returned table translates, and no table is
    // marked for rollback.
    const VirtAddr vas[] = {0x1fe000,
                            0x1ff000,
                            0x200000,
                            0x3fe00000,
                            0x40000000,
                            (1ull << 39) - 0x1000,
                            (1ull << 39) + 0x5000};
    for (size_t fail_n = 1; fail_n <= 10; ++fail_n) {
        INFO("allocation ", fail_n, " fails");
        Fixture f(600);
        const size_t root_only = f.allocator.outstanding();
        f.allocator.fail_at(fail_n);  // this one allocation only
        std::vector<VirtAddr> mapped;
        bool failed = false;
        for (size_t i = 0; i < std::size(vas); ++i) {
            auto table = f.pt.leaf_table(vas[i]);
            if (!table.ok()) {
                CHECK(table.error() == Error::kNoMemory);
                CHECK(f.pt.translate(vas[i]).error() == Error::kNoEntry);
                failed = true;
                continue;
            }
            table.value()[pt_index(vas[i])] =
                PageTableEntry::leaf(0x1000 * (i + 1), kUserRw, PageSize::k4K);
            mapped.push_back(vas[i]);
        }
        f.allocator.never_fail();
        // 3 tables for the first block, 1 new PT at 0x200000, 1 new PD at
        // 1 GiB, then a PDPT, PD and PT past the PML4 boundary: 8.
        if (!failed) CHECK(f.allocator.outstanding() == root_only + 8);
        for (VirtAddr va : mapped) {
            auto t = f.pt.translate(va);
            REQUIRE(t.ok());
            CHECK(t.value().flags == kUserRw);
            CHECK(t.value().size == PageSize::k4K);
        }
        Dump d = dump(f);  // also checks that no kSoftwareNew mark is left
        CHECK(d.leaves.size() == mapped.size());
        // Teardown returns every table, those left empty by a failure too.
        size_t leaves = 0;
        f.pt.destroy_user_half([&](VirtAddr, const Translation&) { ++leaves; });
        CHECK(leaves == mapped.size());
        CHECK(f.allocator.outstanding() == root_only);
    }
}

TEST_CASE("page table: map_4k maps like map, failing at every N, its tables final at once") {
    // The same pages as map() would map; a failure maps nothing at va, and
    // the tables created before it stay (empty, unmarked) until the teardown.
    const VirtAddr vas[] = {0x400000, 0x401000, 0xff0000, 0x1001000, (1ull << 39) + 0x5000};
    for (size_t fail_n = 1; fail_n <= 8; ++fail_n) {
        INFO("allocation ", fail_n, " fails");
        Fixture f(600);
        const size_t root_only = f.allocator.outstanding();
        f.allocator.fail_at(fail_n);  // this one allocation only
        std::vector<VirtAddr> mapped;
        for (size_t i = 0; i < std::size(vas); ++i) {
            auto r = f.pt.map_4k(vas[i], 0x1000 * (i + 1), kUserRw);
            if (!r.ok()) {
                CHECK(r.error() == Error::kNoMemory);
                CHECK(f.pt.translate(vas[i]).error() == Error::kNoEntry);
                continue;
            }
            mapped.push_back(vas[i]);
        }
        f.allocator.never_fail();
        for (size_t i = 0; i < mapped.size(); ++i) {
            auto t = f.pt.translate(mapped[i]);
            REQUIRE(t.ok());
            CHECK(t.value().flags == kUserRw);
            CHECK(t.value().size == PageSize::k4K);
        }
        Dump d = dump(f);  // also checks that no kSoftwareNew mark is left
        CHECK(d.leaves.size() == mapped.size());
        size_t leaves = 0;
        f.pt.destroy_user_half([&](VirtAddr, const Translation&) { ++leaves; });
        CHECK(leaves == mapped.size());
        CHECK(f.allocator.outstanding() == root_only);
    }
}

TEST_CASE("page table: map_4k refuses what map refuses and changes nothing") {
    Fixture f;
    REQUIRE(f.pt.map_4k(0x400000, 0x200000, kUserRw).ok());
    CHECK(f.allocator.outstanding() == 4);  // PML4 + PDPT + PD + PT
    CHECK(f.pt.map_4k(0x400000, 0x300000, kUserRw).error() == Error::kExists);
    REQUIRE(f.pt.map(0x600000, 0x400000, kUserRw, PageSize::k2M).ok());
    CHECK(f.pt.map_4k(0x601000, 0x300000, kUserRw).error() == Error::kExists);  // a large leaf
    const size_t tables = f.allocator.outstanding();
    CHECK(f.pt.map_4k(0x400800, 0x300000, kUserRw).error() == Error::kInvalid);    // misaligned va
    CHECK(f.pt.map_4k(0x402000, 0x300800, kUserRw).error() == Error::kInvalid);    // misaligned pa
    CHECK(f.pt.map_4k(0x402000, 1ull << 52, kUserRw).error() == Error::kInvalid);  // past the mask
    CHECK(f.pt.map_4k(0x0000800000000000ull, 0x300000, kUserRw).error() ==
          Error::kInvalid);  // not canonical
    CHECK(f.pt.map_4k(0xffff800000000000ull, 0x300000, kUserRw).error() ==
          Error::kInvalid);  // a user page in the kernel half
    CHECK(f.allocator.outstanding() == tables);
    CHECK(f.pt.translate(0x402000).error() == Error::kNoEntry);
    auto t = f.pt.translate(0x400000);
    REQUIRE(t.ok());
    CHECK(t.value().phys == 0x200000);
}

TEST_CASE("page table: leaf_table returns one table per 2 MiB block and refuses large leaves") {
    Fixture f;
    auto a = f.pt.leaf_table(0x400000);
    auto b = f.pt.leaf_table(0x5ff000);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a.value() == b.value());
    const size_t tables = f.allocator.outstanding();
    CHECK(f.pt.leaf_table(0x400000).value() == a.value());  // nothing new
    CHECK(f.allocator.outstanding() == tables);
    REQUIRE(f.pt.map(0x600000, 0x200000, kUserRw, PageSize::k2M).ok());
    CHECK(f.pt.leaf_table(0x601000).error() == Error::kExists);
    CHECK(f.pt.leaf_table(0x0000800000000000ull).error() == Error::kInvalid);  // not canonical
    CHECK(f.allocator.outstanding() == tables);
}

TEST_CASE("page table: for_each_leaf_table gives each present leaf table's slots in the range") {
    Fixture f(600);
    // Pages in three blocks (one crossing into the next PD), a 2 MiB leaf
    // that must be skipped, and an empty leaf table left by an unmap.
    const VirtAddr pages[] = {0x400000, 0x401000, 0x5ff000, 0x600000, 0x40000000};
    for (VirtAddr va : pages) REQUIRE(f.pt.map(va, 0x7000, kUserRw).ok());
    REQUIRE(f.pt.map(0x800000, 0x200000, kUserRw, PageSize::k2M).ok());
    REQUIRE(f.pt.map(0xa00000, 0x7000, kUserRw).ok());
    REQUIRE(f.pt.unmap(0xa00000).ok());

    struct Visit {
        VirtAddr base;
        unsigned first, last;
        bool operator==(const Visit&) const = default;
    };
    auto visits = [&](VirtAddr lo, VirtAddr hi) {
        std::vector<Visit> out;
        f.pt.for_each_leaf_table(
            lo, hi, [&](VirtAddr base, PageTableEntry* entries, unsigned first, unsigned last) {
                // entries is the table that maps base: its slots translate.
                for (unsigned i = first; i <= last; ++i) {
                    auto t = f.pt.translate(base + i * kPageSize);
                    CHECK(entries[i].present() == t.ok());
                }
                out.push_back({base, first, last});
            });
        return out;
    };
    // The whole half: every table whole, in address order; the 2 MiB leaf's
    // slot is not a table, so it is not visited; the empty table is.
    CHECK(visits(0, 0x800000000000ull) ==
          std::vector<Visit>{
              {0x400000, 0, 511}, {0x600000, 0, 511}, {0xa00000, 0, 511}, {0x40000000, 0, 511}});
    // A range inside one table, and one that clips two.
    CHECK(visits(0x401000, 0x402000) == std::vector<Visit>{{0x400000, 1, 1}});
    CHECK(visits(0x5fe000, 0x602000) == std::vector<Visit>{{0x400000, 510, 511}, {0x600000, 0, 1}});
    // Nothing mapped there, or arguments for_each_leaf refuses too.
    CHECK(visits(0x1000000, 0x3fe00000).empty());
    CHECK(visits(0x402000, 0x401000).empty());
    CHECK(visits(0x400800, 0x402000).empty());
    CHECK(visits(0x7ffffffff000, 0xffff800000001000).empty());
}

TEST_CASE("page table: destroy_user_half_by_table hands over whole leaf tables") {
    Fixture f(600);
    REQUIRE(f.pt.map_range(0x3fe000, 0x10000, 0x4000, kUserRw).ok());  // two leaf tables
    REQUIRE(f.pt.map(0x800000, 0x200000, kUserRw, PageSize::k2M).ok());
    const size_t root_only = 1;
    struct Visitor {
        std::vector<std::pair<VirtAddr, unsigned>> tables;  // (base, present slots)
        std::vector<VirtAddr> large;
        void leaf(VirtAddr va, const Translation& t) {
            CHECK(t.size == PageSize::k2M);
            large.push_back(va);
        }
        void leaf_table(VirtAddr base, PageTableEntry* entries, unsigned first, unsigned last) {
            unsigned present = 0;
            for (unsigned i = first; i <= last; ++i) {
                if (!entries[i].present()) continue;
                ++present;
                entries[i] = PageTableEntry();
            }
            tables.push_back({base, present});
        }
    } visitor;
    const VirtRange ranges[] = {{0x3fe000, 0x402000}, {0x800000, 0xa00000}};
    f.pt.destroy_user_half_by_table(visitor, ranges, std::size(ranges));
    CHECK(visitor.tables ==
          std::vector<std::pair<VirtAddr, unsigned>>{{0x200000, 2}, {0x400000, 2}});
    CHECK(visitor.large == std::vector<VirtAddr>{0x800000});
    CHECK(f.allocator.outstanding() == root_only);
}
