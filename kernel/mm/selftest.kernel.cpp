// The live memory self-test: frames, kernel page tables (through real
// reads and writes, so a stale TLB entry or a wrong frame shows), kernel
// stacks with guard pages, the heap, and the frame counts afterwards.
#include "mm/selftest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "lib/console.h"
#include "mm/heap.h"
#include "mm/kernel_stack_area.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"

extern "C" char __kernel_start[];
extern "C" char __init_array_start[];

namespace nyanos::mm {

namespace {

using paging::kPageSize;
using paging::PageSize;
using paging::PageTableEntry;

// The first failed check; the rest of the test still runs where it can but
// reports only this one.
const char* g_failure = nullptr;

void check(bool ok, const char* what) {
    if (!ok && !g_failure) g_failure = what;
}

uint64_t pattern(uint64_t seed, uint64_t i) {
    return (seed * 0x9e3779b97f4a7c15ull) ^ (i * 0x10001);
}

void fill(volatile uint64_t* p, uint64_t seed, size_t bytes) {
    for (size_t i = 0; i < bytes / 8; ++i) p[i] = pattern(seed, i);
}
bool holds(const volatile uint64_t* p, uint64_t seed, size_t bytes) {
    for (size_t i = 0; i < bytes / 8; ++i)
        if (p[i] != pattern(seed, i)) return false;
    return true;
}

void check_layout() {
    auto* pml4 = phys_to_virt<PageTableEntry>(kernel_root());
    bool lower_empty = true, areas_present = true, none_user = true;
    const uint64_t stack_area_bytes = kKernelStackSlots * KernelStackArea::kSlotSize;
    for (unsigned i = 0; i < paging::kEntriesPerTable; ++i) {
        if (i < paging::kFirstKernelPml4Index) {
            lower_empty = lower_empty && !pml4[i].present();
            continue;
        }
        none_user = none_user && !(pml4[i].present() && pml4[i].user());
        if (kernel_pml4_entry_needed(i, arch::phys_address_bits(), stack_area_bytes))
            areas_present = areas_present && pml4[i].present();
    }
    check(lower_empty, "the loader's identity map is still in the kernel PML4");
    check(areas_present, "a kernel area's PML4 entry is absent");
    check(none_user, "a kernel-half PML4 entry is a user entry");
    check(kernel_half_sealed(), "the kernel half is not sealed");
    check((arch::read_cr3() & PageTableEntry::kAddressMask) == kernel_root(),
          "CR3 is not the kernel PML4");

    // The kernel image, mapped W^X by the loader.
    KernelPageTable pt = kernel_page_table();
    const boot::BootInfo& info = boot_info();
    auto image_phys = [&](const void* p) {
        return reinterpret_cast<uint64_t>(p) - info.kernel_virt_base + info.kernel_phys_base;
    };
    auto leaf_matches = [&](const void* p, const paging::Translation& t) {
        uint64_t va = reinterpret_cast<uint64_t>(p);
        return t.phys + (va & (paging::page_size_bytes(t.size) - 1)) == image_phys(p);
    };
    auto text = pt.translate(reinterpret_cast<uint64_t>(&run_live_self_test));
    check(text.ok() && leaf_matches(reinterpret_cast<void*>(&run_live_self_test), text.value()) &&
              text.value().flags.executable && !text.value().flags.writable,
          "kernel text is not mapped R-X at its frame");
    auto rodata = pt.translate(reinterpret_cast<uint64_t>(__init_array_start));
    check(rodata.ok() && leaf_matches(__init_array_start, rodata.value()) &&
              !rodata.value().flags.executable && !rodata.value().flags.writable,
          "kernel rodata is not mapped R-- at its frame");
    auto data = pt.translate(reinterpret_cast<uint64_t>(&g_failure));
    check(data.ok() && leaf_matches(&g_failure, data.value()) && !data.value().flags.executable &&
              data.value().flags.writable,
          "kernel data is not mapped RW- at its frame");

    // The HHDM (the loader's 2 MiB / 1 GiB leaves, read back by translate).
    PhysAddr probe = info.kernel_pml4_phys + 0x18;
    auto hhdm = pt.translate(reinterpret_cast<uint64_t>(phys_to_virt(probe)));
    check(
        hhdm.ok() &&
            hhdm.value().phys + (probe & (paging::page_size_bytes(hhdm.value().size) - 1)) == probe,
        "the HHDM does not map the kernel PML4's frame");
    check(hhdm.ok() && !hhdm.value().flags.executable && !hhdm.value().flags.user,
          "the HHDM is executable or user");
    check(pt.translate(0x1000).error() == Error::kNoEntry, "low memory is still mapped");
}

void check_frames() {
    PhysicalMemory& pm = physical_memory();
    constexpr size_t kCount = 64;
    PhysAddr frames[kCount];
    size_t got = 0;
    for (; got < kCount; ++got) {
        auto f = pm.allocate_frame(FrameUse::kGeneral);
        if (!f.ok()) break;
        frames[got] = f.value();
        fill(phys_to_virt<uint64_t>(frames[got]), got, kPageSize);
    }
    check(got == kCount, "allocate_frame failed with plenty free");
    for (size_t i = 0; i < got; ++i) {
        check(holds(phys_to_virt<uint64_t>(frames[i]), i, kPageSize),
              "a frame's contents changed (frames handed out twice?)");
        for (size_t j = 0; j < i; ++j)
            check(frames[i] != frames[j], "the same frame handed out twice");
    }
    for (size_t i = 0; i < got; ++i) pm.free_frame(frames[i], FrameUse::kGeneral);

    auto run = pm.allocate_contiguous(8, FrameUse::kGeneral);
    check(run.ok(), "allocate_contiguous(8) failed");
    if (run.ok()) {
        fill(phys_to_virt<uint64_t>(run.value()), 77, 8 * kPageSize);
        check(holds(phys_to_virt<uint64_t>(run.value()), 77, 8 * kPageSize), "contiguous run");
        pm.free_contiguous(run.value(), 8, FrameUse::kGeneral);
    }
    auto zeroed = pm.allocate_zeroed_frame(FrameUse::kGeneral);
    check(zeroed.ok(), "allocate_zeroed_frame failed");
    if (zeroed.ok()) {
        bool zero = true;
        auto* p = phys_to_virt<uint64_t>(zeroed.value());
        for (size_t i = 0; i < kPageSize / 8; ++i) zero = zero && p[i] == 0;
        check(zero, "allocate_zeroed_frame returned a dirty frame");
        pm.free_frame(zeroed.value(), FrameUse::kGeneral);
    }
}

// Maps frames at kKernelScratchBase and checks them through real accesses.
void check_kernel_mappings() {
    PhysicalMemory& pm = physical_memory();
    KernelPageTable pt = kernel_page_table();
    const PageFlags rw{.writable = true};
    const PageFlags ro{};
    auto a = pm.allocate_zeroed_frame(FrameUse::kGeneral);
    auto b = pm.allocate_zeroed_frame(FrameUse::kGeneral);
    check(a.ok() && b.ok(), "no frames for the mapping test");
    if (!a.ok() || !b.ok()) return;
    PhysAddr fa = a.value(), fb = b.value();
    fill(phys_to_virt<uint64_t>(fa), 1, kPageSize);
    fill(phys_to_virt<uint64_t>(fb), 2, kPageSize);

    const VirtAddr va = kKernelScratchBase;
    auto* window = reinterpret_cast<volatile uint64_t*>(va);
    check(map_kernel_pages(va, fa, 1, rw).ok(), "map_kernel_pages failed");
    auto t = pt.translate(va + 123);
    check(
        t.ok() && t.value().phys == fa && t.value().size == PageSize::k4K && t.value().flags == rw,
        "translate does not report the new mapping");
    check(holds(window, 1, kPageSize), "a read through the new mapping sees the wrong frame");
    window[5] = 0x5ca1ab1e;
    check(phys_to_virt<volatile uint64_t>(fa)[5] == 0x5ca1ab1e,
          "a write through the new mapping did not reach the frame");
    window[5] = pattern(1, 5);

    check(map_kernel_pages(va, fb, 1, rw).error() == Error::kExists, "remapping is not kExists");
    check(map_kernel_pages(va + kPageSize, fb, 1, PageFlags{.writable = true, .user = true})
                  .error() == Error::kInvalid,
          "a user page in the kernel half is not kInvalid");
    check(map_kernel_pages(0x400000, fb, 1, rw).error() == Error::kInvalid,
          "a kernel mapping in the lower half is not kInvalid");
    check(map_kernel_pages(va + 8, fb, 1, rw).error() == Error::kInvalid,
          "an unaligned mapping is not kInvalid");
    check(map_kernel_pages(0xfffffffffffff000ull, fb, 2, rw).error() == Error::kInvalid,
          "a wrapping mapping is not kInvalid");
    // PML4 entry 448 is in no kernel area: sealed, so no PDPT appears.
    check(map_kernel_pages(0xffffe00000000000ull, fb, 1, rw).error() == Error::kInvalid,
          "a mapping outside the kernel areas is not kInvalid");
    check(!phys_to_virt<PageTableEntry>(kernel_root())[448].present(),
          "a sealed kernel PML4 entry became present");

    check(protect_kernel_pages(va, 1, ro).ok(), "protect_kernel_pages failed");
    auto t_ro = pt.translate(va);
    check(t_ro.ok() && t_ro.value().flags == ro && t_ro.value().phys == fa,
          "protect did not apply");
    check(holds(window, 1, kPageSize), "a read-only mapping reads wrong");
    check(protect_kernel_pages(va, 2, rw).error() == Error::kNoEntry,
          "protecting a partly unmapped range is not kNoEntry");
    check(pt.translate(va).value().flags == ro, "a failed protect changed the mapping");

    // Unmap and remap to another frame: a stale TLB entry would still read A.
    check(unmap_kernel_pages(va, 1).ok(), "unmap_kernel_pages failed");
    check(pt.translate(va).error() == Error::kNoEntry, "unmapped page still translates");
    check(unmap_kernel_pages(va, 1).error() == Error::kNoEntry, "double unmap is not kNoEntry");
    check(map_kernel_pages(va, fb, 1, rw).ok(), "remap failed");
    check(holds(window, 2, kPageSize), "stale TLB: the remapped page reads the old frame");
    check(unmap_kernel_pages(va, 1).ok(), "unmap after remap failed");

    // Three pages across a 2 MiB boundary (two page tables), both frames
    // mapped twice: aliases must see each other's writes.
    const VirtAddr span = va + paging::kLargePageSize - kPageSize;
    check(map_kernel_pages(span, fa, 1, rw).ok() &&
              map_kernel_pages(span + kPageSize, fb, 1, rw).ok() &&
              map_kernel_pages(span + 2 * kPageSize, fa, 1, rw).ok(),
          "mapping across a page-table boundary failed");
    auto* alias = reinterpret_cast<volatile uint64_t*>(span + 2 * kPageSize);
    reinterpret_cast<volatile uint64_t*>(span)[9] = 0xfeedface;
    check(alias[9] == 0xfeedface, "two mappings of one frame disagree");
    check(holds(reinterpret_cast<volatile uint64_t*>(span + kPageSize), 2, kPageSize),
          "the page after the page-table boundary reads wrong");
    check(unmap_kernel_pages(span, 3).ok(), "unmapping across a page-table boundary failed");
    for (int i = 0; i < 3; ++i)
        check(pt.translate(span + i * kPageSize).error() == Error::kNoEntry,
              "a page survived unmap_kernel_pages");

    pm.free_frame(fa, FrameUse::kGeneral);
    pm.free_frame(fb, FrameUse::kGeneral);
}

void check_kernel_stacks() {
    KernelPageTable pt = kernel_page_table();
    check(allocate_kernel_stack(0).error() == Error::kInvalid, "a 0-page stack is not kInvalid");
    check(allocate_kernel_stack(KernelStackArea::kMaxStackPages + 1).error() == Error::kInvalid,
          "an oversized stack is not kInvalid");
    constexpr size_t kStacks = 5;
    VirtAddr tops[kStacks] = {};
    for (size_t i = 0; i < kStacks; ++i) {
        size_t pages = KernelStackArea::kMaxStackPages;
        auto top = allocate_kernel_stack(pages);
        check(top.ok(), "allocate_kernel_stack failed");
        if (!top.ok()) continue;
        tops[i] = top.value();
        check(tops[i] % 16 == 0 && !paging::is_user_half(tops[i]), "a stack top is misplaced");
        check(kernel_stack_pages(tops[i]) == pages, "kernel_stack_pages is wrong");
        VirtAddr bottom = tops[i] - pages * kPageSize;
        auto t = pt.translate(bottom);
        check(t.ok() && t.value().flags.writable && !t.value().flags.executable,
              "a stack page is not RW- NX");
        check(pt.translate(bottom - kPageSize).error() == Error::kNoEntry,
              "the guard page below a stack is mapped");
        fill(reinterpret_cast<volatile uint64_t*>(bottom), 100 + i, pages * kPageSize);
    }
    for (size_t i = 0; i < kStacks; ++i) {
        if (!tops[i]) continue;
        size_t pages = KernelStackArea::kMaxStackPages;
        check(holds(reinterpret_cast<volatile uint64_t*>(tops[i] - pages * kPageSize), 100 + i,
                    pages * kPageSize),
              "kernel stacks overlap");
    }
    // Free out of order. Freed thread-sized stacks stay mapped in the
    // cache until reclaimed (these are larger: they go at once).
    for (size_t i : {3, 0, 4, 1, 2}) {
        if (tops[i]) free_kernel_stack(tops[i]);
    }
    reclaim_kernel_stacks();
    for (size_t i = 0; i < kStacks; ++i) {
        if (!tops[i]) continue;
        check(pt.translate(tops[i] - kPageSize).error() == Error::kNoEntry,
              "a freed stack is still mapped");
        check(kernel_stack_pages(tops[i]) == 0, "a freed stack still counts");
    }
}

void check_heap() {
    static constexpr size_t kSizes[] = {1,    8,    16,   24,   100,  500,
                                        1000, 1990, 2000, 4096, 5000, 70000};
    constexpr size_t kCount = sizeof(kSizes) / sizeof(kSizes[0]);
    void* blocks[kCount * 4] = {};
    for (size_t round = 0; round < 4; ++round) {
        for (size_t i = 0; i < kCount; ++i) {
            void* p = kmalloc(kSizes[i]);
            check(p != nullptr, "kmalloc failed with plenty free");
            check(reinterpret_cast<uint64_t>(p) >= boot::kHhdmBase &&
                      reinterpret_cast<uint64_t>(p) % 16 == 0,
                  "kmalloc returned an address below the HHDM or unaligned");
            if (p) {
                auto* bytes = static_cast<volatile uint8_t*>(p);
                for (size_t j = 0; j < kSizes[i]; ++j) bytes[j] = uint8_t(i + j + round);
            }
            blocks[round * kCount + i] = p;
        }
        // Free every other block of this round now, the rest at the end.
        for (size_t i = round % 2; i < kCount; i += 2) {
            auto* bytes = static_cast<volatile uint8_t*>(blocks[round * kCount + i]);
            bool ok = bytes != nullptr;
            for (size_t j = 0; ok && j < kSizes[i]; ++j) ok = bytes[j] == uint8_t(i + j + round);
            check(ok, "a heap block was overwritten");
            kfree(blocks[round * kCount + i]);
            blocks[round * kCount + i] = nullptr;
        }
    }
    for (void*& p : blocks) {
        kfree(p);
        p = nullptr;
    }
    int* numbers = new (std::nothrow) int[100];
    check(numbers != nullptr, "nothrow new[] failed");
    delete[] numbers;
    kernel_heap_trim();
}

}  // namespace

bool run_live_self_test() {
    g_failure = nullptr;
    PhysicalMemory& pm = physical_memory();
    kernel_heap_trim();
    const MemoryStats start = pm.stats();
    const HeapStats heap_start = kernel_heap_stats();

    check_layout();
    check_frames();
    // Round 1 may create kernel-half page tables (they stay); round 2 over
    // the same addresses must not, so after it every count is exact.
    check_kernel_mappings();
    check_kernel_stacks();
    const MemoryStats after_round1 = pm.stats();
    check(after_round1.page_table_frames - start.page_table_frames <= 8,
          "too many page tables for a few kernel mappings");
    check_kernel_mappings();
    check_kernel_stacks();
    check_heap();

    const MemoryStats end = pm.stats();
    const HeapStats heap_end = kernel_heap_stats();
    check(end.page_table_frames == after_round1.page_table_frames,
          "page tables grew on the second round");
    check(end.kernel_stack_frames == start.kernel_stack_frames, "kernel stack frames leaked");
    check(end.general_frames == start.general_frames, "general frames leaked");
    check(end.heap_frames == start.heap_frames &&
              heap_end.live_allocations == heap_start.live_allocations,
          "heap allocations leaked");
    check(end.free_frames + (end.page_table_frames - start.page_table_frames) == start.free_frames,
          "free frames did not return to the baseline");

    if (g_failure) {
        kprintf("selftest: FAILED %s\n", g_failure);
        return false;
    }
    kprintf("selftest: mm ok free_frames=%lu page_tables=%lu\n", end.free_frames,
            end.page_table_frames);
    return true;
}

}  // namespace nyanos::mm
