// The region map: sorted, disjoint, merged regions; splits on remove and
// protect; the top-down free-gap search; every operation all or nothing
// when its allocation fails; a random sequence against a page-by-page model.
#include <doctest/doctest.h>

#include <stdint.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "mm/vm_map.h"

using namespace nyanos;
using namespace nyanos::mm;

namespace {

constexpr uint64_t kP = paging::kPageSize;
constexpr uint8_t kRw = kProtRead | kProtWrite;
constexpr uint8_t kRo = kProtRead;
constexpr uint8_t kRx = kProtRead | kProtExec;

// Counts blocks and fails the Nth allocation from fail_at(n).
class TestAllocator final : public MetadataAllocator {
public:
    ~TestAllocator() {
        for (void* b : live) ::free(b);
    }
    void* allocate_metadata(size_t bytes) override {
        ++attempts;
        if (countdown && --countdown == 0) return nullptr;
        void* b = aligned_alloc(16, (bytes + 15) / 16 * 16);
        live.insert(b);
        return b;
    }
    void free_metadata(void* block) override {
        if (!block) return;
        REQUIRE(live.erase(block) == 1);
        ::free(block);
    }
    void fail_at(size_t n) { countdown = n; }
    std::set<void*> live;
    size_t countdown = 0;
    size_t attempts = 0;
};

Region anon(VirtAddr lo, VirtAddr hi, uint8_t prot = kRw) {
    Region r;
    r.start = lo;
    r.end = hi;
    r.prot = prot;
    r.kind = RegionKind::kAnonymous;
    return r;
}

Region file_region(VirtAddr lo, VirtAddr hi, FileBacking* f, uint64_t offset) {
    Region r = anon(lo, hi, kRo);
    r.kind = RegionKind::kFile;
    r.file = f;
    r.offset = offset;
    return r;
}

VmMap make(TestAllocator& a) {
    auto r = VmMap::try_create(a);
    REQUIRE(r.ok());
    return r.release_value();
}

struct Span {
    VirtAddr lo, hi;
    uint8_t prot;
    bool operator==(const Span&) const = default;
};

std::vector<Span> spans(const VmMap& m) {
    std::vector<Span> out;
    for (size_t i = 0; i < m.count(); ++i) out.push_back({m[i].start, m[i].end, m[i].prot});
    return out;
}

// Sorted, disjoint, non-empty, and no two touching regions that could merge.
void check_invariants(const VmMap& m) {
    for (size_t i = 0; i < m.count(); ++i) {
        REQUIRE(m[i].start < m[i].end);
        REQUIRE(m[i].start % kP == 0);
        REQUIRE(m[i].end % kP == 0);
        if (i == 0) continue;
        REQUIRE(m[i - 1].end <= m[i].start);
        if (m[i - 1].end == m[i].start) REQUIRE(!VmMap::compatible(m[i - 1], m[i]));
    }
}

}  // namespace

TEST_CASE("VmMap: insert keeps regions sorted and merges compatible neighbours") {
    TestAllocator a;
    {
        VmMap m = make(a);
        REQUIRE(m.insert(anon(0x10000, 0x20000)).ok());
        REQUIRE(m.insert(anon(0x40000, 0x50000)).ok());
        REQUIRE(m.insert(anon(0x30000, 0x38000, kRo)).ok());
        CHECK(spans(m) == std::vector<Span>{{0x10000, 0x20000, kRw},
                                            {0x30000, 0x38000, kRo},
                                            {0x40000, 0x50000, kRw}});
        // Filling the gap between two compatible regions joins all three.
        REQUIRE(m.insert(anon(0x20000, 0x30000)).ok());
        REQUIRE(m.insert(anon(0x38000, 0x40000, kRx)).ok());
        CHECK(m.count() == 4);
        REQUIRE(m.insert(anon(0x50000, 0x60000)).ok());
        CHECK(spans(m).back() == Span{0x40000, 0x60000, kRw});
        // Overlaps and bad ranges change nothing.
        auto before = spans(m);
        CHECK(m.insert(anon(0x1f000, 0x21000)).error() == Error::kExists);
        CHECK(m.insert(anon(0x5f000, 0x70000)).error() == Error::kExists);
        CHECK(m.insert(anon(0x70000, 0x70000)).error() == Error::kInvalid);
        CHECK(m.insert(anon(0x70800, 0x71000)).error() == Error::kInvalid);
        CHECK(spans(m) == before);
        check_invariants(m);

        CHECK(m.find(0xffff) == nullptr);
        CHECK(m.find(0x10000)->end == 0x30000);
        CHECK(m.find(0x37fff)->prot == kRo);
        CHECK(m.find(0x5ffff)->start == 0x40000);
        CHECK(m.find(0x60000) == nullptr);
        CHECK(m.intersects(0x0, 0x10001));
        CHECK(!m.intersects(0x60000, 0x100000));
        CHECK(m.covers(0x10000, 0x60000));
        CHECK(!m.covers(0x8000, 0x20000));
        CHECK(m.covers(0x12000, 0x12000));
    }
    CHECK(a.live.empty());
}

TEST_CASE("VmMap: file regions merge only with contiguous offsets; stacks never merge") {
    TestAllocator a;
    FileBacking f1, f2;
    VmMap m = make(a);
    REQUIRE(m.insert(file_region(0x400000, 0x402000, &f1, 0)).ok());
    REQUIRE(m.insert(file_region(0x402000, 0x403000, &f1, 0x2000)).ok());
    CHECK(m.count() == 1);
    REQUIRE(m.insert(file_region(0x403000, 0x404000, &f1, 0x8000)).ok());
    REQUIRE(m.insert(file_region(0x404000, 0x405000, &f2, 0x9000)).ok());
    CHECK(m.count() == 3);
    // Joining from above moves the start and the offset together.
    REQUIRE(m.insert(file_region(0x501000, 0x502000, &f2, 0x5000)).ok());
    REQUIRE(m.insert(file_region(0x500000, 0x501000, &f2, 0x4000)).ok());
    const Region* joined = m.find(0x500000);
    CHECK(joined->start == 0x500000);
    CHECK(joined->end == 0x502000);
    CHECK(joined->offset == 0x4000);
    CHECK(joined->file_offset(0x501800) == 0x5800);
    check_invariants(m);
    Region s = anon(0x800000, 0x810000);
    s.kind = RegionKind::kStack;
    s.offset = 0x700000;
    REQUIRE(m.insert(s).ok());
    Region s2 = s;
    s2.start = 0x810000;
    s2.end = 0x820000;
    REQUIRE(m.insert(s2).ok());
    CHECK(m.find(0x80f000)->end == 0x810000);
}

TEST_CASE("VmMap: remove trims, splits and drops regions; file offsets follow") {
    TestAllocator a;
    FileBacking f;
    VmMap m = make(a);
    REQUIRE(m.insert(anon(0x10000, 0x20000)).ok());
    REQUIRE(m.insert(file_region(0x30000, 0x40000, &f, 0x100000)).ok());
    REQUIRE(m.insert(anon(0x50000, 0x60000, kRo)).ok());
    // The middle of one region: two.
    REQUIRE(m.remove(0x34000, 0x36000).ok());
    CHECK(spans(m) == std::vector<Span>{{0x10000, 0x20000, kRw},
                                        {0x30000, 0x34000, kRo},
                                        {0x36000, 0x40000, kRo},
                                        {0x50000, 0x60000, kRo}});
    CHECK(m.find(0x36000)->offset == 0x106000);
    // Across regions and holes: the ends are trimmed, what lies inside goes.
    REQUIRE(m.remove(0x1f000, 0x52000).ok());
    CHECK(spans(m) == std::vector<Span>{{0x10000, 0x1f000, kRw}, {0x52000, 0x60000, kRo}});
    // Nothing there: fine.
    REQUIRE(m.remove(0x70000, 0x80000).ok());
    REQUIRE(m.remove(0x30000, 0x40000).ok());
    CHECK(m.remove(0x30800, 0x40000).error() == Error::kInvalid);
    REQUIRE(m.remove(0, 0x800000000000).ok());
    CHECK(m.count() == 0);
    check_invariants(m);
}

TEST_CASE("VmMap: protect splits at both ends and merges what became alike") {
    TestAllocator a;
    VmMap m = make(a);
    REQUIRE(m.insert(anon(0x10000, 0x40000)).ok());
    // RELRO: the middle becomes read-only.
    REQUIRE(m.protect(0x20000, 0x28000, kRo).ok());
    CHECK(spans(m) == std::vector<Span>{{0x10000, 0x20000, kRw},
                                        {0x20000, 0x28000, kRo},
                                        {0x28000, 0x40000, kRw}});
    // Back to RW: one region again.
    REQUIRE(m.protect(0x20000, 0x28000, kRw).ok());
    CHECK(spans(m) == std::vector<Span>{{0x10000, 0x40000, kRw}});
    // Holes are skipped; regions already so need no split.
    REQUIRE(m.insert(anon(0x50000, 0x60000, kRo)).ok());
    REQUIRE(m.protect(0x30000, 0x58000, kRo).ok());
    CHECK(spans(m) == std::vector<Span>{{0x10000, 0x30000, kRw},
                                        {0x30000, 0x40000, kRo},
                                        {0x50000, 0x60000, kRo}});
    CHECK(m.protect(0x30000, 0x40000, 0x10).error() == Error::kInvalid);
    check_invariants(m);
}

TEST_CASE("VmMap: every operation is all or nothing when its allocation fails") {
    TestAllocator a;
    VmMap m = make(a);
    // Fill the first block, and keep going past it.
    for (size_t i = 0; i < 40; ++i) {
        VirtAddr lo = 0x100000 + i * 0x10000;
        auto before = spans(m);
        a.fail_at(1);
        auto r = m.insert(anon(lo, lo + 0x1000, i % 2 ? kRo : kRw));
        a.fail_at(0);
        if (!r.ok()) {
            CHECK(r.error() == Error::kNoMemory);
            CHECK(spans(m) == before);
            REQUIRE(m.insert(anon(lo, lo + 0x1000, i % 2 ? kRo : kRw)).ok());
        }
    }
    CHECK(m.count() == 40);
    // Splits need a slot; make the block full first.
    VmMap full = make(a);
    for (size_t i = 0; i < VmMap::kInitialCapacity; ++i)
        REQUIRE(full.insert(anon(0x100000 + i * 0x10000, 0x108000 + i * 0x10000)).ok());
    auto before = spans(full);
    a.fail_at(1);
    CHECK(full.remove(0x102000, 0x104000).error() == Error::kNoMemory);
    CHECK(spans(full) == before);
    a.fail_at(1);
    CHECK(full.protect(0x102000, 0x104000, kRo).error() == Error::kNoMemory);
    CHECK(spans(full) == before);
    a.fail_at(1);
    CHECK(full.protect(0x102000, 0x108000, kRo).error() == Error::kNoMemory);
    CHECK(spans(full) == before);
    a.fail_at(1);
    CHECK(full.clone().error() == Error::kNoMemory);
    a.fail_at(0);
    // Trimming needs none.
    a.fail_at(1);
    REQUIRE(full.remove(0x100000, 0x102000).ok());
    a.fail_at(0);
    REQUIRE(full.remove(0x102000, 0x104000).ok());
    check_invariants(full);
}

TEST_CASE("VmMap: clone is independent of the original") {
    TestAllocator a;
    VmMap m = make(a);
    REQUIRE(m.insert(anon(0x10000, 0x20000)).ok());
    auto c = m.clone();
    REQUIRE(c.ok());
    VmMap copy = c.release_value();
    REQUIRE(m.remove(0x10000, 0x20000).ok());
    CHECK(m.count() == 0);
    CHECK(copy.count() == 1);
    CHECK(copy.find(0x10000) != nullptr);
    CHECK(a.live.size() == 2);
}

TEST_CASE("VmMap: at most kMaxRegions regions, then ENOMEM") {
    TestAllocator a;
    VmMap m = make(a);
    // Alternating protections, so nothing merges.
    for (size_t i = 0; i < VmMap::kMaxRegions; ++i)
        REQUIRE(m.insert(anon(0x10000 + i * 2 * kP, 0x10000 + i * 2 * kP + kP, i % 2 ? kRo : kRw))
                    .ok());
    CHECK(m.count() == VmMap::kMaxRegions);
    VirtAddr next = 0x10000 + VmMap::kMaxRegions * 2 * kP;
    CHECK(m.insert(anon(next, next + kP)).error() == Error::kNoMemory);
    // A split is refused too; an insert that merges is not.
    CHECK(m.remove(0x10000, 0x10000).ok());
    REQUIRE(m.insert(anon(next - kP, next, m[m.count() - 1].prot)).ok());
    CHECK(m.count() == VmMap::kMaxRegions);
    // Lookups stay right at the far end.
    CHECK(m.find(0x10000 + 65529 * 2 * kP)->start == 0x10000 + 65529 * 2 * kP);
    CHECK(m.find(0x10000 + 65529 * 2 * kP - kP) == nullptr);
}

TEST_CASE("VmMap: the free-gap search goes top-down and keeps clear of stacks") {
    TestAllocator a;
    VmMap m = make(a);
    constexpr VirtAddr kCeiling = 0x7f0000000000;
    CHECK(m.find_gap_top_down(0x3000, 0x10000, kCeiling).value() == kCeiling - 0x3000);
    REQUIRE(m.insert(anon(kCeiling - 0x3000, kCeiling)).ok());
    REQUIRE(m.insert(anon(kCeiling - 0x6000, kCeiling - 0x4000)).ok());
    // The one-page hole is too small for two pages; one page fits it.
    CHECK(m.find_gap_top_down(0x2000, 0x10000, kCeiling).value() == kCeiling - 0x8000);
    CHECK(m.find_gap_top_down(0x1000, 0x10000, kCeiling).value() == kCeiling - 0x4000);
    // A region straddling the ceiling counts from its start.
    CHECK(m.find_gap_top_down(0x1000, 0x10000, kCeiling - 0x1000).value() == kCeiling - 0x4000);
    // The floor bounds it.
    CHECK(m.find_gap_top_down(0x1000, kCeiling - 0x4000, kCeiling).value() == kCeiling - 0x4000);
    CHECK(m.find_gap_top_down(0x2000, kCeiling - 0x5000, kCeiling).error() == Error::kNoMemory);
    CHECK(m.find_gap_top_down(0, 0x10000, kCeiling).error() == Error::kNoMemory);
    // A stack keeps its growth range and the guard gap below it.
    Region s = anon(0x7ff000000000, 0x7ff000100000);
    s.kind = RegionKind::kStack;
    s.offset = 0x7ff000000000 - 0x800000;
    REQUIRE(m.insert(s).ok());
    CHECK(m.find_gap_top_down(0x1000, 0x10000, 0x7ff000100000).value() ==
          0x7ff000000000 - 0x800000 - VmMap::kStackGuardGap - 0x1000);
    // Above the stack is free.
    CHECK(m.find_gap_top_down(0x1000, 0x10000, 0x7ff000200000).value() == 0x7ff0001ff000);
}

TEST_CASE("VmMap: random inserts, removes and protects agree with a page model") {
    TestAllocator a;
    // One file behind half the inserts; its count is 1 (the test's) plus one
    // per file region, whatever the map did.
    FileBacking file;
    {
        VmMap m = make(a);
        std::mt19937 rng(7);
        // page index -> protection, | kFileBit for a file page (mapping file
        // offset page * kP, so neighbouring file pages merge).
        constexpr uint8_t kFileBit = 0x80;
        std::map<uint64_t, uint8_t> model;
        constexpr uint64_t kBase = 0x100000, kPages = 256;
        const uint8_t prots[] = {kRw, kRo, kRx, kProtNone};
        for (int step = 0; step < 6000; ++step) {
            uint64_t first = rng() % kPages, count = 1 + rng() % 24;
            if (first + count > kPages) count = kPages - first;
            VirtAddr lo = kBase + first * kP, hi = lo + count * kP;
            uint8_t prot = prots[rng() % 4];
            bool fail = rng() % 5 == 0;
            if (fail) a.fail_at(1);
            int op = rng() % 3;
            Result<void> r;
            if (op == 0) {
                bool is_file = rng() % 2;
                Region region = anon(lo, hi, prot);
                if (is_file) region = file_region(lo, hi, &file, first * kP);
                region.prot = prot;
                r = m.insert(region);
                bool free = true;
                for (uint64_t p = first; p < first + count; ++p) free &= !model.count(p);
                if (!free) {
                    REQUIRE(r.error() == Error::kExists);
                } else if (r.ok()) {
                    for (uint64_t p = first; p < first + count; ++p)
                        model[p] = prot | (is_file ? kFileBit : 0);
                }
            } else if (op == 1) {
                r = m.remove(lo, hi);
                if (r.ok())
                    for (uint64_t p = first; p < first + count; ++p) model.erase(p);
            } else {
                r = m.protect(lo, hi, prot);
                if (r.ok())
                    for (uint64_t p = first; p < first + count; ++p)
                        if (model.count(p)) model[p] = prot | (model[p] & kFileBit);
            }
            a.fail_at(0);
            if (!r.ok() && r.error() != Error::kExists) REQUIRE(r.error() == Error::kNoMemory);
            check_invariants(m);
            // The map says exactly what the model says, page by page.
            for (uint64_t p = 0; p < kPages; ++p) {
                const Region* region = m.find(kBase + p * kP);
                auto it = model.find(p);
                REQUIRE((region != nullptr) == (it != model.end()));
                if (!region) continue;
                REQUIRE(region->prot == (it->second & ~kFileBit));
                REQUIRE((region->kind == RegionKind::kFile) == bool(it->second & kFileBit));
                if (region->kind == RegionKind::kFile)
                    REQUIRE(region->file_offset(kBase + p * kP) == p * kP);
            }
            size_t file_regions = 0;
            for (size_t i = 0; i < m.count(); ++i) file_regions += m[i].file == &file;
            REQUIRE(file.reference_count() == 1 + file_regions);
        }
    }
    CHECK(file.reference_count() == 1);
}

TEST_CASE("VmMap: each region holds one reference to its file, through every change") {
    TestAllocator a;
    FileBacking f;
    {
        VmMap m = make(a);
        REQUIRE(m.insert(file_region(0x10000, 0x20000, &f, 0)).ok());
        CHECK(f.reference_count() == 2);
        // Widening a region (a contiguous insert) takes none; joining two
        // into one gives one back.
        REQUIRE(m.insert(file_region(0x30000, 0x40000, &f, 0x20000)).ok());
        CHECK(f.reference_count() == 3);
        REQUIRE(m.insert(file_region(0x20000, 0x30000, &f, 0x10000)).ok());
        CHECK(m.count() == 1);
        CHECK(f.reference_count() == 2);
        // munmap in the middle: two halves, two references.
        REQUIRE(m.remove(0x18000, 0x1a000).ok());
        CHECK(f.reference_count() == 3);
        // mprotect in the middle: three pieces; back: merged into one again.
        REQUIRE(m.protect(0x20000, 0x22000, kRw).ok());
        CHECK(m.count() == 4);
        CHECK(f.reference_count() == 5);
        REQUIRE(m.protect(0x20000, 0x22000, kRo).ok());
        CHECK(m.count() == 2);
        CHECK(f.reference_count() == 3);
        // fork: the copy holds its own; failing, it takes none.
        a.fail_at(1);
        CHECK(m.clone().error() == Error::kNoMemory);
        a.fail_at(0);
        CHECK(f.reference_count() == 3);
        {
            VmMap copy = m.clone().release_value();
            CHECK(f.reference_count() == 5);
            // Moving a map moves its references; assigning over one drops
            // what it held.
            VmMap moved(static_cast<VmMap&&>(copy));
            CHECK(f.reference_count() == 5);
            moved = make(a);
            CHECK(f.reference_count() == 3);
        }
        // A split that cannot get a slot takes nothing.
        VmMap full = make(a);
        for (size_t i = 0; i < VmMap::kInitialCapacity; ++i) {
            VirtAddr lo = 0x100000 + i * 0x10000;
            REQUIRE(full.insert(file_region(lo, lo + 0x8000, &f, lo)).ok());
        }
        CHECK(f.reference_count() == 3 + VmMap::kInitialCapacity);
        a.fail_at(1);
        CHECK(full.remove(0x102000, 0x104000).error() == Error::kNoMemory);
        a.fail_at(1);
        CHECK(full.protect(0x102000, 0x104000, kRw).error() == Error::kNoMemory);
        a.fail_at(1);
        CHECK(full.insert(file_region(0x900000, 0x901000, &f, 0)).error() == Error::kNoMemory);
        a.fail_at(0);
        CHECK(f.reference_count() == 3 + VmMap::kInitialCapacity);
        // Dropping whole regions gives theirs back.
        REQUIRE(full.remove(0x100000, 0x120000).ok());
        CHECK(f.reference_count() == 1 + VmMap::kInitialCapacity);
    }
    // Destroying the maps drops the rest: the creator's is all that is left.
    CHECK(f.reference_count() == 1);
    // The last reference runs the creator's destroy.
    FileBacking* counted = new FileBacking;
    counted->destroy = [](FileBacking* b) { delete b; };
    {
        VmMap m = make(a);
        REQUIRE(m.insert(file_region(0x10000, 0x20000, counted, 0)).ok());
        counted->release_ref();  // the creator's: the region keeps it alive
        CHECK(counted->reference_count() == 1);
        REQUIRE(m.remove(0x14000, 0x15000).ok());
        CHECK(counted->reference_count() == 2);
    }
    // ASan reports the object if the last release did not delete it.
}
