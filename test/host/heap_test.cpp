// The kernel heap over a frame allocator over fake RAM: random sequences
// against a model, corruption and double-free detection, the address guard,
// exhaustion, and frames going back when slabs empty.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "fake_ram.h"
#include "panic_checks.h"
#include "mm/heap.h"
#include "mm/physical_memory.h"

using namespace nyanos;
using nyanos::test::check_panics_with;
using namespace nyanos::mm;
using nyanos::test::FakeRam;
using nyanos::test::HostPanic;

namespace {

constexpr uint64_t kF = kFrameSize;

// RAM, a frame allocator over it, and a heap whose floor is the arena's start.
struct HeapFixture {
    FakeRam ram;
    PhysicalMemory frames;
    Heap heap;
    uint64_t free0;

    explicit HeapFixture(size_t ram_frames, uintptr_t floor = 0)
        : ram(ram_frames), frames(create(ram)), heap(frames, floor ? floor : arena_start(ram)) {
        free0 = frames.stats().free_frames;
    }

    static uintptr_t arena_start(FakeRam& ram) {
        return reinterpret_cast<uintptr_t>(ram.phys_to_virt(FakeRam::kBase));
    }
    static PhysicalMemory create(FakeRam& ram) {
        PhysRange all{FakeRam::kBase, ram.frames() * kF};
        auto r = PhysicalMemory::try_create(&all, 1, {}, ram);
        REQUIRE(r.ok());
        return r.release_value();
    }
    bool in_arena(const void* p, size_t size) {
        auto a = reinterpret_cast<uintptr_t>(p);
        uintptr_t lo = arena_start(ram);
        return a >= lo && a + size <= lo + ram.frames() * kF;
    }
};

}  // namespace

TEST_CASE("heap: small and large allocations are aligned, usable and disjoint") {
    HeapFixture f(512);
    std::vector<std::pair<uint8_t*, size_t>> blocks;
    for (size_t size : {size_t(0), size_t(1), size_t(8), size_t(15), size_t(16), size_t(17),
                        size_t(100), size_t(1000), Heap::kMaxSmallSize, Heap::kMaxSmallSize + 1,
                        size_t(4096), size_t(4096 - 40), size_t(4096 - 39), size_t(50000)}) {
        auto* p = static_cast<uint8_t*>(f.heap.allocate(size));
        REQUIRE(p);
        CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
        CHECK(f.in_arena(p, size));
        CHECK(f.heap.allocation_size(p) == size);
        memset(p, 0x5a, size);
        blocks.push_back({p, size});
    }
    // No two overlap (each still holds its own pattern after all were written).
    for (size_t i = 0; i < blocks.size(); ++i) memset(blocks[i].first, int(i), blocks[i].second);
    for (size_t i = 0; i < blocks.size(); ++i)
        for (size_t k = 0; k < blocks[i].second; ++k) REQUIRE(blocks[i].first[k] == uint8_t(i));
    CHECK(f.heap.stats().live_allocations == blocks.size());
    CHECK(f.frames.stats().heap_frames == f.heap.stats().slab_frames + f.heap.stats().large_frames);
    for (auto& b : blocks) f.heap.free(b.first);
    f.heap.free(nullptr);
    CHECK(f.heap.stats().live_allocations == 0);
    CHECK(f.heap.stats().live_bytes == 0);
    CHECK(f.heap.stats().large_frames == 0);
    f.heap.trim();
    CHECK(f.frames.stats().heap_frames == 0);
    CHECK(f.frames.stats().free_frames == f.free0);
}

TEST_CASE("heap: size 0 gives distinct pointers; oversized requests fail cleanly") {
    HeapFixture f(64);
    void* a = f.heap.allocate(0);
    void* b = f.heap.allocate(0);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a != b);
    CHECK(f.heap.allocate(Heap::kMaxSize + 1) == nullptr);
    CHECK(f.heap.allocate(size_t(-1)) == nullptr);
    CHECK(f.heap.allocate(1 << 20) == nullptr);  // more than the 64-frame arena
    CHECK(f.heap.stats().live_allocations == 2);
    f.heap.free(a);
    f.heap.free(b);
    f.heap.trim();
    CHECK(f.frames.stats().free_frames == f.free0);
}

TEST_CASE("heap: random alloc/free sequences agree with a model") {
    HeapFixture f(1024);
    std::mt19937 rng(7);
    struct Block {
        size_t size;
        uint8_t fill;
    };
    std::map<uint8_t*, Block> model;
    uint64_t model_bytes = 0;
    auto verify = [&](uint8_t* p, const Block& b) {
        for (size_t k = 0; k < b.size; ++k) {
            if (p[k] != uint8_t(b.fill + k)) {
                FAIL("block " << static_cast<void*>(p) << " byte " << k << " changed");
                return;
            }
        }
    };
    for (int step = 0; step < 6000; ++step) {
        bool do_alloc = model.empty() || rng() % 100 < 55;
        if (do_alloc) {
            // Mostly small, some mid-size, a few large.
            unsigned kind = rng() % 20;
            size_t size = kind < 14 ? rng() % 129 : kind < 19 ? rng() % 2100 : 2000 + rng() % 20000;
            auto* p = static_cast<uint8_t*>(f.heap.allocate(size));
            if (!p) {
                // Only when the arena really is short of frames.
                CHECK(f.frames.stats().free_frames < (size + 40) / kF + 1);
                continue;
            }
            REQUIRE(reinterpret_cast<uintptr_t>(p) % 16 == 0);
            REQUIRE(f.in_arena(p, size));
            // A new block never overlaps a live one.
            auto next = model.lower_bound(p);
            if (next != model.end()) REQUIRE(p + size <= next->first);
            if (next != model.begin()) {
                auto prev = std::prev(next);
                REQUIRE(prev->first + prev->second.size <= p);
            }
            Block b{size, uint8_t(rng())};
            for (size_t k = 0; k < size; ++k) p[k] = uint8_t(b.fill + k);
            model[p] = b;
            model_bytes += size;
        } else {
            auto it = model.begin();
            std::advance(it, rng() % model.size());
            verify(it->first, it->second);
            CHECK(f.heap.allocation_size(it->first) == it->second.size);
            f.heap.free(it->first);
            model_bytes -= it->second.size;
            model.erase(it);
        }
        HeapStats s = f.heap.stats();
        REQUIRE(s.live_allocations == model.size());
        REQUIRE(s.live_bytes == model_bytes);
        REQUIRE(f.frames.stats().heap_frames == s.slab_frames + s.large_frames);
    }
    for (auto& [p, b] : model) {
        verify(p, b);
        f.heap.free(p);
    }
    // Every size class keeps at most one empty slab; trim returns those too.
    CHECK(f.heap.stats().slab_frames <= Heap::kClassCount);
    f.heap.trim();
    CHECK(f.frames.stats().heap_frames == 0);
    CHECK(f.frames.stats().free_frames == f.free0);
}

TEST_CASE("heap: emptied slabs go back to the frame allocator") {
    HeapFixture f(256);
    std::vector<void*> ps;
    for (int i = 0; i < 1000; ++i) ps.push_back(f.heap.allocate(24));  // 48-byte slots, 84 a slab
    uint64_t slabs = f.heap.stats().slab_frames;
    CHECK(slabs == (1000 + 83) / 84);
    CHECK(f.frames.stats().heap_frames == slabs);
    for (void* p : ps) f.heap.free(p);
    CHECK(f.heap.stats().slab_frames == 1);  // one empty slab cached for the class
    CHECK(f.frames.stats().heap_frames == 1);
    // Alternating allocate/free reuses the cached slab: no frame churn.
    for (int i = 0; i < 100; ++i) f.heap.free(f.heap.allocate(24));
    CHECK(f.frames.stats().heap_frames == 1);
    f.heap.trim();
    CHECK(f.frames.stats().heap_frames == 0);

    // A large allocation's frames go back on free.
    void* big = f.heap.allocate(3 * kF);
    CHECK(f.frames.stats().heap_frames == 4);  // header + 3 pages + red zone
    f.heap.free(big);
    CHECK(f.frames.stats().heap_frames == 0);
    CHECK(f.frames.stats().free_frames == f.free0);
}

TEST_CASE("heap: exhaustion returns nullptr and leaves the heap consistent") {
    HeapFixture f(48);
    std::vector<void*> ps;
    while (void* p = f.heap.allocate(200)) ps.push_back(p);
    CHECK(f.frames.stats().free_frames == 0);
    CHECK(f.heap.allocate(8) == nullptr);  // another class needs a slab frame: none left
    CHECK(f.heap.allocate(10000) == nullptr);
    // Freeing some makes room again.
    for (size_t i = 0; i < ps.size(); i += 2) f.heap.free(ps[i]);
    void* again = f.heap.allocate(200);
    CHECK(again);
    f.heap.free(again);
    for (size_t i = 1; i < ps.size(); i += 2) f.heap.free(ps[i]);
    CHECK(f.heap.stats().live_allocations == 0);
    f.heap.trim();
    CHECK(f.frames.stats().free_frames == f.free0);
}

TEST_CASE("heap: double free is detected, small and large") {
    HeapFixture f(128);
    void* keep = f.heap.allocate(64);  // keeps the slab alive after p's free
    void* p = f.heap.allocate(64);
    f.heap.free(p);
    check_panics_with([&] { f.heap.free(p); }, "double free");
    void* big = f.heap.allocate(10000);
    f.heap.free(big);
    // The frames are back with the frame allocator; either layer catches it.
    check_panics_with([&] { f.heap.free(big); }, "double free");
    f.heap.free(keep);
}

TEST_CASE("heap: overflow past the end is caught by the red zone") {
    HeapFixture f(128);
    for (size_t size : {size_t(1), size_t(24), size_t(100), size_t(2000), size_t(5000)}) {
        CAPTURE(size);
        auto* p = static_cast<uint8_t*>(f.heap.allocate(size));
        REQUIRE(p);
        p[size] = 0;  // one byte too far
        check_panics_with([&] { f.heap.free(p); }, "buffer overflow");
    }
    // An overflow of the last byte of the red zone, far from the end.
    auto* q = static_cast<uint8_t*>(f.heap.allocate(30));  // 48-byte slot: red zone 2 bytes + ...
    q[30 + 1] = 0x11;
    check_panics_with([&] { f.heap.free(q); }, "buffer overflow");
}

TEST_CASE("heap: an underflow into the header is caught by the canary") {
    HeapFixture f(64);
    auto* p = static_cast<uint8_t*>(f.heap.allocate(40));
    p[-1] ^= 0xff;
    check_panics_with([&] { f.heap.free(p); }, "corrupted");
    auto* big = static_cast<uint8_t*>(f.heap.allocate(8000));
    big[-3] ^= 0x01;
    check_panics_with([&] { f.heap.free(big); }, "corrupted");
}

TEST_CASE("heap: a write after free is caught when the chunk is reused") {
    HeapFixture f(64);
    void* keep = f.heap.allocate(100);
    auto* p = static_cast<uint8_t*>(f.heap.allocate(100));
    f.heap.free(p);
    p[50] = 1;
    check_panics_with([&] { f.heap.allocate(100); }, "use after free");
    f.heap.free(keep);
}

TEST_CASE("heap: pointers the heap never returned are rejected") {
    HeapFixture f(64);
    auto* p = static_cast<uint8_t*>(f.heap.allocate(100));
    check_panics_with([&] { f.heap.free(p + 8); }, "misaligned");
    check_panics_with([&] { f.heap.free(p + 16); }, "not the start");
    // Memory that holds no slab at all (a frame the heap never had).
    PhysAddr frame = f.frames.allocate_zeroed_frame(FrameUse::kGeneral).value();
    auto* other = static_cast<uint8_t*>(f.ram.phys_to_virt(frame));
    check_panics_with([&] { f.heap.free(other + 128); }, "not a heap allocation");
    check_panics_with([&] { f.heap.free(other + 32); }, "not a live heap allocation");
    f.frames.free_frame(frame, FrameUse::kGeneral);
    f.heap.free(p);
}

TEST_CASE("heap: the address guard rejects an allocation below the floor") {
    // A floor above the whole arena: every address the heap could hand out is
    // below it, so every allocation must panic.
    HeapFixture f(64, UINTPTR_MAX);
    check_panics_with([&] { (void)f.heap.allocate(32); }, "below the heap's floor");
    check_panics_with([&] { (void)f.heap.allocate(50000); }, "below the heap's floor");
}
