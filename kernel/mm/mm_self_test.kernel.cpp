// A boot-time self-test of the live frame allocator and kernel heap (command
// line switch `mm_selftest`): the host tests cover the logic, this covers the
// kernel wiring (the real memory map, the HHDM, the C++ operators). Any
// failure panics, so the QEMU test sees `PANIC:` instead of the ok line.
#include <new>

#include "boot_info.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/heap.h"
#include "mm/mm_self_test.h"
#include "mm/physical_memory.h"

namespace nyanos::mm {

namespace {

constexpr size_t kFrames = 512;
PhysAddr g_frames[kFrames];

void check(bool ok, const char* what) {
    if (!ok) panic("mm selftest: %s", what);
}

void test_frames(PhysicalMemory& pm) {
    for (size_t i = 0; i < kFrames; ++i) {
        auto f = pm.allocate_frame(FrameUse::kGeneral);
        check(f.ok(), "allocate_frame failed with plenty free");
        g_frames[i] = f.value();
        check(g_frames[i] % kFrameSize == 0 && g_frames[i] >= 0x100000, "frame misaligned or low");
        // Each frame is writable through the HHDM and holds its own pattern.
        auto* words = phys_to_virt<uint64_t>(g_frames[i]);
        for (size_t w = 0; w < kFrameSize / 8; w += 64) words[w] = g_frames[i] ^ w;
    }
    check(pm.stats().general_frames >= kFrames, "general frame count");
    for (size_t i = 0; i < kFrames; ++i) {
        auto* words = phys_to_virt<uint64_t>(g_frames[i]);
        for (size_t w = 0; w < kFrameSize / 8; w += 64)
            check(words[w] == (g_frames[i] ^ w), "frames overlap (pattern overwritten)");
    }
    for (size_t i = 0; i < kFrames; ++i) pm.free_frame(g_frames[i], FrameUse::kGeneral);

    auto run = pm.allocate_contiguous(16, FrameUse::kKernelStack);
    check(run.ok(), "allocate_contiguous(16) failed");
    for (size_t k = 0; k < 16; ++k)
        check(pm.is_allocated(run.value() + k * kFrameSize, FrameUse::kKernelStack),
              "run frame state");
    __builtin_memset(phys_to_virt(run.value()), 0x77, 16 * kFrameSize);
    pm.free_contiguous(run.value(), 16, FrameUse::kKernelStack);

    auto zeroed = pm.allocate_zeroed_frame(FrameUse::kPageTable);
    check(zeroed.ok(), "allocate_zeroed_frame failed");
    auto* bytes = phys_to_virt<uint8_t>(zeroed.value());
    for (size_t b = 0; b < kFrameSize; ++b) check(bytes[b] == 0, "zeroed frame not zero");
    pm.free_frame(zeroed.value(), FrameUse::kPageTable);
}

struct Sample {
    uint64_t a, b;
    Sample() : a(0x1234), b(0x5678) {}
};

void test_heap() {
    static const size_t kSizes[] = {1, 16, 24, 100, 500, 1000, 1992, 1993, 4096, 20000, 100000};
    void* blocks[sizeof(kSizes) / sizeof(kSizes[0])];
    for (size_t i = 0; i < sizeof(kSizes) / sizeof(kSizes[0]); ++i) {
        auto* p = static_cast<uint8_t*>(kmalloc(kSizes[i]));
        check(p != nullptr, "kmalloc failed with plenty free");
        uintptr_t address = reinterpret_cast<uintptr_t>(p);
        check(address >= boot::kHhdmBase, "kmalloc returned an address below the HHDM");
        check(address % 16 == 0, "kmalloc result not 16-byte aligned");
        __builtin_memset(p, int(i), kSizes[i]);
        blocks[i] = p;
    }
    for (size_t i = 0; i < sizeof(kSizes) / sizeof(kSizes[0]); ++i) {
        auto* p = static_cast<uint8_t*>(blocks[i]);
        for (size_t k = 0; k < kSizes[i]; ++k) check(p[k] == uint8_t(i), "kmalloc blocks overlap");
        kfree(p);
    }
    kfree(nullptr);

    Sample* one = new (std::nothrow) Sample;
    check(one != nullptr && one->a == 0x1234 && one->b == 0x5678, "new (std::nothrow) Sample");
    Sample* many = new (std::nothrow) Sample[40];
    check(many != nullptr && many[39].b == 0x5678, "new (std::nothrow) Sample[40]");
    delete one;
    delete[] many;
}

}  // namespace

void run_self_test() {
    PhysicalMemory& pm = physical_memory();
    MemoryStats before = pm.stats();
    HeapStats heap_before = kernel_heap_stats();

    test_frames(pm);
    test_heap();
    kernel_heap_trim();

    MemoryStats after = pm.stats();
    HeapStats heap_after = kernel_heap_stats();
    check(heap_after.live_allocations == heap_before.live_allocations, "heap allocations leaked");
    check(after.free_frames + after.heap_frames == before.free_frames + before.heap_frames &&
              after.general_frames == before.general_frames &&
              after.kernel_stack_frames == before.kernel_stack_frames &&
              after.page_table_frames == before.page_table_frames,
          "frames leaked");
    kprintf("mm: selftest ok free_frames=%lu\n", after.free_frames);
}

}  // namespace nyanos::mm
