// The frame allocator over a fake RAM arena: allocation order, exhaustion,
// contiguous runs, bad frees, reclaim, and a random sequence against a model.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fake_ram.h"
#include "panic_checks.h"
#include "mm/physical_memory.h"

using namespace nyanos;
using nyanos::test::check_panics_with;
using namespace nyanos::mm;
using nyanos::test::FakeRam;
using nyanos::test::HostPanic;

namespace {

constexpr PhysAddr kBase = FakeRam::kBase;
constexpr uint64_t kF = kFrameSize;

// Frames of bookkeeping for a span of n frames (9 bytes a frame, states padded to 4).
uint64_t metadata_frames_for(uint64_t n) {
    return ((n + 3) / 4 * 4 + 8 * n + kF - 1) / kF;
}

// The value of a Result that must have succeeded.
template <typename T>
T must(Result<T>&& r) {
    REQUIRE(r.ok());
    return r.release_value();
}

PhysicalMemory make(FakeRam& ram, std::vector<PhysRange> ranges, PhysRange span = {}) {
    auto r = PhysicalMemory::try_create(ranges.data(), ranges.size(), span, ram);
    REQUIRE(r.ok());
    return r.release_value();
}

uint64_t used_sum(const MemoryStats& s) {
    return s.page_table_frames + s.heap_frames + s.kernel_stack_frames + s.user_frames +
           s.general_frames + s.dma_frames;
}

void check_balanced(const MemoryStats& s) {
    CHECK(s.total_frames == s.free_frames + s.metadata_frames + used_sum(s));
}

}  // namespace

TEST_CASE("pmm: one range, every frame handed out once, lowest first, then ENOMEM") {
    FakeRam ram(256);
    PhysicalMemory pm = make(ram, {{kBase, 256 * kF}});
    MemoryStats s = pm.stats();
    uint64_t meta = metadata_frames_for(256);
    CHECK(s.total_frames == 256);
    CHECK(s.metadata_frames == meta);
    CHECK(s.free_frames == 256 - meta);
    check_balanced(s);

    std::set<PhysAddr> seen;
    PhysAddr previous = 0;
    for (uint64_t i = 0; i < 256 - meta; ++i) {
        auto f = pm.allocate_frame(FrameUse::kGeneral);
        REQUIRE(f.ok());
        PhysAddr frame = f.value();
        CHECK(frame % kF == 0);
        CHECK(frame >= kBase + meta * kF);  // the bookkeeping sits at the low end
        CHECK(frame < ram.end());
        CHECK(frame > previous);  // lowest first
        previous = frame;
        CHECK(seen.insert(frame).second);
    }
    CHECK(pm.allocate_frame(FrameUse::kGeneral).error() == Error::kNoMemory);
    CHECK(pm.allocate_zeroed_frame(FrameUse::kGeneral).error() == Error::kNoMemory);
    CHECK(pm.allocate_contiguous(1, FrameUse::kGeneral).error() == Error::kNoMemory);
    CHECK(pm.stats().free_frames == 0);
    CHECK(pm.stats().general_frames == 256 - meta);

    for (PhysAddr f : seen) pm.free_frame(f, FrameUse::kGeneral);
    CHECK(pm.stats().free_frames == 256 - meta);
    CHECK(pm.stats().general_frames == 0);
}

TEST_CASE("pmm: free frames are not touched; the last freed frame comes back first") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    uint64_t meta = pm.stats().metadata_frames;
    // FakeRam fills with 0xcc: the allocator writes only its bookkeeping.
    for (uint64_t i = meta; i < 64; ++i) {
        auto* bytes = static_cast<uint8_t*>(ram.phys_to_virt(kBase + i * kF));
        CHECK(bytes[0] == 0xcc);
        CHECK(bytes[kF - 1] == 0xcc);
    }
    PhysAddr a = must(pm.allocate_frame(FrameUse::kUser));
    PhysAddr b = must(pm.allocate_frame(FrameUse::kUser));
    pm.free_frame(a, FrameUse::kUser);
    CHECK(pm.allocate_frame(FrameUse::kUser).value() == a);
    pm.free_frame(b, FrameUse::kUser);
    pm.free_frame(a, FrameUse::kUser);
}

TEST_CASE("pmm: allocate_zeroed_frame zeroes the frame") {
    FakeRam ram(32);
    PhysicalMemory pm = make(ram, {{kBase, 32 * kF}});
    PhysAddr f = must(pm.allocate_zeroed_frame(FrameUse::kPageTable));
    auto* bytes = static_cast<uint8_t*>(ram.phys_to_virt(f));
    for (uint64_t i = 0; i < kF; ++i) REQUIRE(bytes[i] == 0);
    CHECK(pm.stats().page_table_frames == 1);
    pm.free_frame(f, FrameUse::kPageTable);
    CHECK(pm.stats().page_table_frames == 0);
}

TEST_CASE("pmm: per-use counters") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    uint64_t free0 = pm.stats().free_frames;
    PhysAddr pt = must(pm.allocate_frame(FrameUse::kPageTable));
    PhysAddr heap1 = must(pm.allocate_frame(FrameUse::kHeap));
    PhysAddr heap2 = must(pm.allocate_frame(FrameUse::kHeap));
    PhysAddr stack = must(pm.allocate_contiguous(4, FrameUse::kKernelStack));
    PhysAddr user = must(pm.allocate_frame(FrameUse::kUser));
    PhysAddr general = must(pm.allocate_frame(FrameUse::kGeneral));
    MemoryStats s = pm.stats();
    CHECK(s.page_table_frames == 1);
    CHECK(s.heap_frames == 2);
    CHECK(s.kernel_stack_frames == 4);
    CHECK(s.user_frames == 1);
    CHECK(s.general_frames == 1);
    CHECK(s.free_frames == free0 - 9);
    check_balanced(s);
    CHECK(pm.is_allocated(heap1, FrameUse::kHeap));
    CHECK(!pm.is_allocated(heap1, FrameUse::kUser));
    pm.free_frame(pt, FrameUse::kPageTable);
    pm.free_frame(heap1, FrameUse::kHeap);
    pm.free_frame(heap2, FrameUse::kHeap);
    pm.free_contiguous(stack, 4, FrameUse::kKernelStack);
    pm.free_frame(user, FrameUse::kUser);
    pm.free_frame(general, FrameUse::kGeneral);
    CHECK(!pm.is_allocated(heap1, FrameUse::kHeap));
    s = pm.stats();
    CHECK(used_sum(s) == 0);
    CHECK(s.free_frames == free0);
}

TEST_CASE("pmm: bad frees panic and name the address") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 32 * kF}, {kBase + 40 * kF, 24 * kF}});
    PhysAddr f = must(pm.allocate_frame(FrameUse::kHeap));
    pm.free_frame(f, FrameUse::kHeap);

    char hex[32];
    snprintf(hex, sizeof(hex), "0x%lx", f);
    check_panics_with([&] { pm.free_frame(f, FrameUse::kHeap); }, "double free");
    check_panics_with([&] { pm.free_frame(f, FrameUse::kHeap); }, hex);

    // A free frame that was never handed out.
    PhysAddr never = kBase + 63 * kF;
    check_panics_with([&] { pm.free_frame(never, FrameUse::kGeneral); }, "never-allocated");
    // In the hole between the ranges, outside the span, the bookkeeping.
    check_panics_with([&] { pm.free_frame(kBase + 35 * kF, FrameUse::kGeneral); }, "not managed");
    check_panics_with([&] { pm.free_frame(kBase + 1000 * kF, FrameUse::kGeneral); }, "not managed");
    check_panics_with([&] { pm.free_frame(0, FrameUse::kGeneral); }, "not managed");
    check_panics_with([&] { pm.free_frame(kBase, FrameUse::kGeneral); }, "bookkeeping");
    check_panics_with([&] { pm.free_frame(kBase + 40 * kF + 8, FrameUse::kGeneral); }, "aligned");

    // Freed with the wrong use.
    PhysAddr g = must(pm.allocate_frame(FrameUse::kPageTable));
    check_panics_with([&] { pm.free_frame(g, FrameUse::kUser); }, "allocated as page-table");
    CHECK(pm.is_allocated(g, FrameUse::kPageTable));  // the bad call changed nothing
    pm.free_frame(g, FrameUse::kPageTable);
    check_balanced(pm.stats());
}

TEST_CASE("pmm: holes are never handed out") {
    FakeRam ram(128);
    // Three ranges with holes, given out of order, plus partial frames at the ends.
    PhysicalMemory pm = make(ram, {{kBase + 100 * kF, 28 * kF},
                                   {kBase + 10 * kF + 100, 30 * kF},  // frames 11..39
                                   {kBase + 50 * kF, 20 * kF}});
    uint64_t expected_total = 28 + 29 + 20;
    CHECK(pm.stats().total_frames == expected_total);
    std::set<PhysAddr> got;
    while (true) {
        auto f = pm.allocate_frame(FrameUse::kGeneral);
        if (!f.ok()) break;
        uint64_t i = (f.value() - kBase) / kF;
        bool in_range = (i >= 11 && i < 40) || (i >= 50 && i < 70) || (i >= 100 && i < 128);
        CHECK(in_range);
        CHECK(got.insert(f.value()).second);
    }
    CHECK(got.size() == expected_total - pm.stats().metadata_frames);
    for (PhysAddr f : got) pm.free_frame(f, FrameUse::kGeneral);
}

TEST_CASE("pmm: contiguous runs") {
    FakeRam ram(128);
    PhysicalMemory pm = make(ram, {{kBase, 128 * kF}});
    uint64_t free0 = pm.stats().free_frames;

    CHECK(pm.allocate_contiguous(0, FrameUse::kKernelStack).error() == Error::kInvalid);
    CHECK(pm.allocate_contiguous(free0 + 1, FrameUse::kKernelStack).error() == Error::kNoMemory);

    PhysAddr run = must(pm.allocate_contiguous(16, FrameUse::kKernelStack));
    for (uint64_t k = 0; k < 16; ++k) CHECK(pm.is_allocated(run + k * kF, FrameUse::kKernelStack));
    CHECK(pm.stats().kernel_stack_frames == 16);
    // Single frames never come from inside the run.
    std::vector<PhysAddr> singles;
    while (true) {
        auto f = pm.allocate_frame(FrameUse::kGeneral);
        if (!f.ok()) break;
        CHECK((f.value() < run || f.value() >= run + 16 * kF));
        singles.push_back(f.value());
    }
    CHECK(singles.size() == free0 - 16);
    pm.free_contiguous(run, 16, FrameUse::kKernelStack);
    CHECK(pm.stats().free_frames == 16);

    // Fragment memory: keep every other single frame.
    for (size_t i = 0; i < singles.size(); i += 2) pm.free_frame(singles[i], FrameUse::kGeneral);
    // The only run of 16 is the one just returned.
    CHECK(pm.allocate_contiguous(16, FrameUse::kKernelStack).value() == run);
    CHECK(pm.allocate_contiguous(2, FrameUse::kKernelStack).error() == Error::kNoMemory);
    // Single frames still work from the fragments.
    PhysAddr one = must(pm.allocate_contiguous(1, FrameUse::kKernelStack));
    pm.free_contiguous(one, 1, FrameUse::kKernelStack);
    pm.free_contiguous(run, 16, FrameUse::kKernelStack);
    for (size_t i = 1; i < singles.size(); i += 2) pm.free_frame(singles[i], FrameUse::kGeneral);
    CHECK(pm.stats().free_frames == free0);
}

TEST_CASE("pmm: a contiguous search wraps around its starting point") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    uint64_t free0 = pm.stats().free_frames;
    // The search resumes after the last run: [a][b....] then a is free again.
    PhysAddr a = must(pm.allocate_contiguous(10, FrameUse::kGeneral));
    PhysAddr b = must(pm.allocate_contiguous(free0 - 10, FrameUse::kGeneral));
    CHECK(b == a + 10 * kF);
    pm.free_contiguous(a, 10, FrameUse::kGeneral);
    CHECK(must(pm.allocate_contiguous(10, FrameUse::kGeneral)) == a);
    pm.free_contiguous(a, 10, FrameUse::kGeneral);
    // A run straddling the point where the previous search stopped.
    pm.free_contiguous(b, 5, FrameUse::kGeneral);
    PhysAddr c = must(pm.allocate_contiguous(15, FrameUse::kGeneral));
    CHECK(c == a);
    pm.free_contiguous(c, 15, FrameUse::kGeneral);
    pm.free_contiguous(b + 5 * kF, free0 - 15, FrameUse::kGeneral);
    CHECK(pm.stats().free_frames == free0);
}

TEST_CASE("pmm: a bad free_contiguous panics before changing anything") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    PhysAddr run = must(pm.allocate_contiguous(4, FrameUse::kKernelStack));
    pm.free_frame(run + 2 * kF, FrameUse::kKernelStack);  // a hole in the run
    MemoryStats before = pm.stats();
    check_panics_with([&] { pm.free_contiguous(run, 4, FrameUse::kKernelStack); }, "double free");
    MemoryStats after = pm.stats();
    CHECK(after.free_frames == before.free_frames);
    CHECK(after.kernel_stack_frames == before.kernel_stack_frames);
    CHECK(pm.is_allocated(run, FrameUse::kKernelStack));
    check_panics_with([&] { pm.free_contiguous(run, 0, FrameUse::kKernelStack); }, "zero");
    pm.free_contiguous(run, 2, FrameUse::kKernelStack);
    pm.free_frame(run + 3 * kF, FrameUse::kKernelStack);
    CHECK(used_sum(pm.stats()) == 0);
}

TEST_CASE("pmm: add_free_range hands over reclaimable memory inside the span") {
    FakeRam ram(128);
    // Usable: frames 0..63. Reclaimable later: 64..95 and 100..127.
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}}, PhysRange{kBase, 128 * kF});
    uint64_t meta = metadata_frames_for(128);
    CHECK(pm.stats().total_frames == 64);
    CHECK(pm.stats().free_frames == 64 - meta);
    // The not-yet-reclaimed frames are not ours to free.
    check_panics_with([&] { pm.free_frame(kBase + 70 * kF, FrameUse::kGeneral); }, "not managed");

    CHECK(pm.add_free_range(kBase + 64 * kF, 32 * kF) == 32);
    CHECK(pm.add_free_range(kBase + 100 * kF + 1, 28 * kF - 1) ==
          27);  // partial first frame dropped
    CHECK(pm.add_free_range(kBase, 0) == 0);
    CHECK(pm.stats().total_frames == 64 + 32 + 27);
    CHECK(pm.stats().free_frames == 64 - meta + 32 + 27);
    check_balanced(pm.stats());

    check_panics_with([&] { pm.add_free_range(kBase + 90 * kF, 8 * kF); }, "already managed");
    check_panics_with([&] { pm.add_free_range(kBase + 128 * kF, 8 * kF); }, "outside the span");
    CHECK(pm.stats().total_frames == 64 + 32 + 27);

    // The new frames are allocatable, including as a run spanning old and new.
    PhysAddr run = must(pm.allocate_contiguous(80, FrameUse::kKernelStack));
    CHECK(run < kBase + 64 * kF);
    CHECK(run + 80 * kF > kBase + 64 * kF);
    pm.free_contiguous(run, 80, FrameUse::kKernelStack);
}

TEST_CASE("pmm: try_create rejects bad input and writes nothing") {
    FakeRam ram(64);
    PhysRange one{kBase, 64 * kF};
    // Nothing usable.
    CHECK(PhysicalMemory::try_create(nullptr, 0, {}, ram).error() == Error::kNoMemory);
    PhysRange tiny{kBase + 10, 100};
    CHECK(PhysicalMemory::try_create(&tiny, 1, {}, ram).error() == Error::kNoMemory);
    // Overlapping ranges.
    PhysRange overlap[] = {{kBase, 32 * kF}, {kBase + 31 * kF, 8 * kF}};
    CHECK(PhysicalMemory::try_create(overlap, 2, {}, ram).error() == Error::kInvalid);
    // A range outside the span.
    CHECK(PhysicalMemory::try_create(&one, 1, PhysRange{kBase, 32 * kF}, ram).error() ==
          Error::kInvalid);
    // A span too large to index.
    CHECK(PhysicalMemory::try_create(&one, 1, PhysRange{0, 1ull << 46}, ram).error() ==
          Error::kRange);
    // A span whose bookkeeping fits in no range: 1 GiB of span needs ~2.3 MiB.
    CHECK(PhysicalMemory::try_create(&one, 1, PhysRange{kBase, 1ull << 30}, ram).error() ==
          Error::kNoMemory);
    auto* bytes = static_cast<uint8_t*>(ram.phys_to_virt(kBase));
    for (uint64_t i = 0; i < 64 * kF; ++i) REQUIRE(bytes[i] == 0xcc);
}

TEST_CASE("pmm: an empty or moved-from manager fails every allocation") {
    PhysicalMemory empty;
    CHECK(empty.allocate_frame(FrameUse::kGeneral).error() == Error::kNoMemory);
    CHECK(empty.allocate_contiguous(2, FrameUse::kGeneral).error() == Error::kNoMemory);
    CHECK(empty.stats().total_frames == 0);
    check_panics_with([&] { empty.free_frame(kBase, FrameUse::kGeneral); }, "not managed");

    FakeRam ram(32);
    PhysicalMemory a = make(ram, {{kBase, 32 * kF}});
    PhysAddr f = must(a.allocate_frame(FrameUse::kUser));
    PhysicalMemory b = std::move(a);
    CHECK(a.allocate_frame(FrameUse::kUser).error() == Error::kNoMemory);
    CHECK(a.stats().total_frames == 0);
    CHECK(b.stats().user_frames == 1);
    b.free_frame(f, FrameUse::kUser);
}

TEST_CASE("pmm: random allocations and frees agree with a model") {
    FakeRam ram(512);
    PhysicalMemory pm = make(ram, {{kBase, 200 * kF}, {kBase + 210 * kF, 302 * kF}});
    const uint64_t free0 = pm.stats().free_frames;
    std::mt19937 rng(4);
    struct Held {
        PhysAddr first;
        size_t count;
        FrameUse use;
    };
    std::vector<Held> held;
    std::set<PhysAddr> owned;
    for (int step = 0; step < 4000; ++step) {
        int op = rng() % 8;
        if (op < 4 || held.empty()) {
            auto use = FrameUse(rng() % kFrameUseCount);
            size_t count = op == 0 ? 1 + rng() % 12 : 1;
            auto r =
                count == 1 && op != 0 ? pm.allocate_frame(use) : pm.allocate_contiguous(count, use);
            if (!r.ok()) {
                CHECK(r.error() == Error::kNoMemory);
                continue;
            }
            for (size_t k = 0; k < count; ++k) REQUIRE(owned.insert(r.value() + k * kF).second);
            held.push_back({r.value(), count, use});
        } else {
            size_t i = rng() % held.size();
            Held h = held[i];
            held[i] = held.back();
            held.pop_back();
            if (h.count == 1 && rng() % 2) {
                pm.free_frame(h.first, h.use);
            } else {
                pm.free_contiguous(h.first, h.count, h.use);
            }
            for (size_t k = 0; k < h.count; ++k) owned.erase(h.first + k * kF);
        }
        MemoryStats s = pm.stats();
        REQUIRE(s.free_frames == free0 - owned.size());
        REQUIRE(used_sum(s) == owned.size());
    }
    for (const Held& h : held) pm.free_contiguous(h.first, h.count, h.use);
    CHECK(pm.stats().free_frames == free0);
}

TEST_CASE("pmm: free_frames returns a batch under one call, checked like free_frame") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    uint64_t free_before = pm.stats().free_frames;
    PhysAddr frames[5];
    for (PhysAddr& f : frames) f = pm.allocate_frame(FrameUse::kUser).release_value();
    CHECK(pm.stats().user_frames == 5);
    pm.free_frames(frames, 5, FrameUse::kUser);
    CHECK(pm.stats().user_frames == 0);
    CHECK(pm.stats().free_frames == free_before);
    // A frame of the batch freed twice is a broken invariant, as with free_frame.
    CHECK_THROWS_AS(pm.free_frames(frames, 1, FrameUse::kUser), nyanos::test::HostPanic);
}

TEST_CASE("pmm: a user frame is shared by count and freed with its last reference") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    const uint64_t free0 = pm.stats().free_frames;
    PhysAddr f = must(pm.allocate_frame(FrameUse::kUser));
    CHECK(pm.reference_count(f) == 1);
    pm.add_reference(f);
    pm.add_reference(f);
    CHECK(pm.reference_count(f) == 3);
    // Frames, not references, are counted.
    CHECK(pm.stats().user_frames == 1);
    CHECK(pm.stats().free_frames == free0 - 1);
    pm.free_frame(f, FrameUse::kUser);
    CHECK(pm.reference_count(f) == 2);
    CHECK(pm.is_allocated(f, FrameUse::kUser));
    pm.free_frame(f, FrameUse::kUser);
    CHECK(pm.stats().free_frames == free0 - 1);
    pm.free_frame(f, FrameUse::kUser);
    CHECK(pm.stats().free_frames == free0);
    CHECK(pm.stats().user_frames == 0);
    check_panics_with([&] { pm.free_frame(f, FrameUse::kUser); }, "double free");
    check_panics_with([&] { (void)pm.reference_count(f); }, "not allocated");
    check_panics_with([&] { pm.add_reference(f); }, "double free");
    // The slot is the free-stack position again: the frame comes back out first.
    PhysAddr again = must(pm.allocate_frame(FrameUse::kUser));
    CHECK(again == f);
    CHECK(pm.reference_count(again) == 1);
    pm.free_frame(again, FrameUse::kUser);
    CHECK(pm.stats().free_frames == free0);
}

TEST_CASE("pmm: only user frames can be shared; shared runs are not freed as runs") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    PhysAddr table = must(pm.allocate_frame(FrameUse::kPageTable));
    check_panics_with([&] { pm.add_reference(table); }, "allocated as page-table");
    CHECK(pm.reference_count(table) == 1);
    pm.free_frame(table, FrameUse::kPageTable);
    PhysAddr run = must(pm.allocate_contiguous(3, FrameUse::kUser));
    pm.add_reference(run + kF);
    check_panics_with([&] { pm.free_contiguous(run, 3, FrameUse::kUser); }, "shared");
    pm.free_frame(run + kF, FrameUse::kUser);
    pm.free_contiguous(run, 3, FrameUse::kUser);
    CHECK(pm.stats().user_frames == 0);
}

TEST_CASE("pmm: batches add and drop references, a frame listed once per reference") {
    FakeRam ram(64);
    PhysicalMemory pm = make(ram, {{kBase, 64 * kF}});
    const uint64_t free0 = pm.stats().free_frames;
    PhysAddr a = must(pm.allocate_frame(FrameUse::kUser));
    PhysAddr b = must(pm.allocate_frame(FrameUse::kUser));
    PhysAddr add[] = {a, b, a};
    pm.add_references(add, 3);
    CHECK(pm.reference_count(a) == 3);
    CHECK(pm.reference_count(b) == 2);
    PhysAddr drop[] = {a, b, a, b, a};
    pm.free_frames(drop, 4, FrameUse::kUser);
    CHECK(pm.reference_count(a) == 1);
    CHECK(pm.stats().free_frames == free0 - 1);
    pm.free_frames(drop + 4, 1, FrameUse::kUser);
    CHECK(pm.stats().free_frames == free0);
}

TEST_CASE("pmm: random sharing agrees with a model of reference counts") {
    FakeRam ram(256);
    PhysicalMemory pm = make(ram, {{kBase, 256 * kF}});
    const uint64_t free0 = pm.stats().free_frames;
    std::mt19937 rng(11);
    std::map<PhysAddr, uint32_t> refs;
    for (int step = 0; step < 20000; ++step) {
        int op = rng() % 6;
        if (op == 0 || refs.empty()) {
            auto r = pm.allocate_frame(rng() % 2 ? FrameUse::kUser : FrameUse::kHeap);
            if (!r.ok()) continue;
            if (pm.is_allocated(r.value(), FrameUse::kUser)) {
                refs[r.value()] = 1;
            } else {
                pm.free_frame(r.value(), FrameUse::kHeap);
            }
            continue;
        }
        auto it = refs.begin();
        std::advance(it, rng() % refs.size());
        if (op <= 2) {
            pm.add_reference(it->first);
            ++it->second;
        } else {
            pm.free_frame(it->first, FrameUse::kUser);
            if (--it->second == 0) {
                CHECK(!pm.is_allocated(it->first, FrameUse::kUser));
                refs.erase(it);
            }
        }
        if (step % 97 == 0) {
            for (auto& [frame, count] : refs) REQUIRE(pm.reference_count(frame) == count);
            REQUIRE(pm.stats().user_frames == refs.size());
            REQUIRE(pm.stats().free_frames == free0 - refs.size());
        }
    }
    for (auto& [frame, count] : refs)
        for (uint32_t i = 0; i < count; ++i) pm.free_frame(frame, FrameUse::kUser);
    CHECK(pm.stats().free_frames == free0);
}
