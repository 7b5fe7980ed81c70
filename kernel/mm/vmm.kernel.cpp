// The kernel's page tables: the loader-built PML4, cleaned up and completed
// at boot, and the helpers that map kernel pages and stacks afterwards.
#include "mm/vmm.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/kernel_stack_area.h"
#include "mm/pcid.h"
#include "mm/tlb_shootdown.h"

namespace nyanos::mm {

sync::IrqSpinLock g_kernel_vmm_lock;

using paging::PageTableEntry;

namespace {

constexpr uint64_t kCr4Pge = 1ull << 7;

KernelPagingEnv g_env;
PhysAddr g_root = 0;
bool g_kernel_half_sealed = false;
// Freed thread stacks (at most kMaxCachedStackPages each) kept mapped for
// reuse (free_kernel_stack), with their page counts. Threads of both sizes
// share the 64 places: one process's exit feeds the next exec, whichever
// size they run.
constexpr size_t kStackCacheSize = 64;
VirtAddr g_cached_stacks[kStackCacheSize] GUARDED_BY(g_kernel_vmm_lock);
uint8_t g_cached_stack_pages[kStackCacheSize] GUARDED_BY(g_kernel_vmm_lock);
size_t g_cached_stack_count GUARDED_BY(g_kernel_vmm_lock) = 0;

// A cached stack of `pages`, taken out of the cache; 0 if there is none. The
// latest freed first (the common case: one size in use, found at once).
VirtAddr take_cached_stack(size_t pages) REQUIRES(g_kernel_vmm_lock) {
    for (size_t i = g_cached_stack_count; i > 0; --i) {
        if (g_cached_stack_pages[i - 1] != pages) continue;
        VirtAddr top = g_cached_stacks[i - 1];
        --g_cached_stack_count;
        g_cached_stacks[i - 1] = g_cached_stacks[g_cached_stack_count];
        g_cached_stack_pages[i - 1] = g_cached_stack_pages[g_cached_stack_count];
        return top;
    }
    return 0;
}

constinit KernelStackArea g_stacks GUARDED_BY(g_kernel_vmm_lock){kKernelStackAreaBase,
                                                                 kKernelStackSlots};

// Kernel stack frames come from the PMM, counted as kKernelStack.
struct StackFrames {
    Result<PhysAddr> allocate() {
        return physical_memory().allocate_zeroed_frame(FrameUse::kKernelStack);
    }
    void free(PhysAddr frame) { physical_memory().free_frame(frame, FrameUse::kKernelStack); }
};

}  // namespace

// Toggling CR4.PGE drops every entry, global ones and every PCID's included;
// a CR3 reload alone keeps global entries.
void flush_kernel_tlb() {
    // With PCIDs on, a CR3 reload flushes the live PCID only, and with
    // page-table isolation (CR4.PGE off) kernel translations are cached
    // under every process's PCID: INVPCID "all contexts" drops them all.
    if (pcid_enabled()) {
        flush_every_pcid_here();
        return;
    }
    uint64_t cr4 = arch::read_cr4();
    if (cr4 & kCr4Pge) {
        arch::write_cr4(cr4 & ~kCr4Pge);
        arch::write_cr4(cr4);
    }
    arch::write_cr3(arch::read_cr3());
}

namespace {

// Checks a kernel-half range of whole pages; kInvalid if it is not one.
Result<void> check_kernel_range(VirtAddr va, size_t pages) {
    if (pages == 0 || (va & (paging::kPageSize - 1))) return Error::kInvalid;
    if (pages > (~0ull - va) / paging::kPageSize + 1) return Error::kInvalid;  // wraps
    if (!paging::is_canonical(va) || paging::is_user_half(va)) return Error::kInvalid;
    return {};
}

// Every page of the range is a 4 KiB leaf of the kernel's table.
Result<void> check_mapped_4k(KernelPageTable& pt, VirtAddr va, size_t pages) {
    TRY(check_kernel_range(va, pages));
    for (size_t i = 0; i < pages; ++i) {
        auto t = pt.translate(va + i * paging::kPageSize);
        if (!t.ok()) return t.error();
        if (t.value().size != paging::PageSize::k4K) return Error::kInvalid;
    }
    return {};
}

}  // namespace

Result<PhysAddr> KernelPagingEnv::allocate_table() {
    return physical_memory().allocate_zeroed_frame(FrameUse::kPageTable);
}
void KernelPagingEnv::free_table(PhysAddr table) {
    physical_memory().free_frame(table, FrameUse::kPageTable);
}
void* KernelPagingEnv::phys_to_virt(PhysAddr phys) {
    return nyanos::phys_to_virt(phys);
}
void KernelPagingEnv::invalidate(VirtAddr va) {
    // Kernel-half entries are shared by every space, so every PCID.
    invalidate_kernel_page(va);
}
bool KernelPagingEnv::may_add_kernel_pml4_entry() {
    return !g_kernel_half_sealed;
}

bool kernel_half_sealed() {
    return g_kernel_half_sealed;
}

KernelPageTable kernel_page_table() {
    VERIFY(g_root != 0);
    return KernelPageTable(g_env, g_root);
}

PhysAddr kernel_root() {
    VERIFY(g_root != 0);
    return g_root;
}

void init_vmm() {
    PhysAddr root = boot_info().kernel_pml4_phys;
    PhysAddr live = arch::read_cr3() & PageTableEntry::kAddressMask;
    if (root == 0 || root != live)
        panic("vmm: the handoff's kernel PML4 %lx is not the live CR3 %lx", root, live);
    g_root = root;

    // The loader's identity map of its own pages lives in PML4 entries
    // 0..255. Its tables are boot-reclaimable frames: the PMM gets them back
    // with the rest of that memory below, so they are only unhooked here,
    // and the TLB is flushed before any of them can be reused.
    auto* pml4 = phys_to_virt<PageTableEntry>(root);
    unsigned dropped = 0;
    for (unsigned i = 0; i < paging::kFirstKernelPml4Index; ++i) {
        if (!pml4[i].present()) continue;
        pml4[i] = PageTableEntry();
        ++dropped;
    }
    flush_kernel_tlb();
    uint64_t free_before = physical_memory().stats().free_frames;
    reclaim_boot_memory();
    uint64_t reclaimed = physical_memory().stats().free_frames - free_before;

    // Only the entries the kernel can ever map into get a PDPT (see
    // kernel_layout.h); the rest stay absent, and sealing makes any later
    // attempt to create one an error.
    const unsigned phys_bits = arch::phys_address_bits();
    const uint64_t stack_area_bytes = kKernelStackSlots * KernelStackArea::kSlotSize;
    auto wanted = [&](unsigned i) {
        return kernel_pml4_entry_needed(i, phys_bits, stack_area_bytes);
    };
    unsigned populated = 0, present = 0;
    for (unsigned i = paging::kFirstKernelPml4Index; i < paging::kEntriesPerTable; ++i) {
        if (pml4[i].present())
            ++present;
        else if (wanted(i))
            ++populated;
    }
    KernelPageTable pt = kernel_page_table();
    if (auto r = pt.populate_kernel_half(wanted); !r.ok())
        panic("vmm: cannot populate the kernel half of the PML4: %s", error_name(r.error()));
    g_kernel_half_sealed = true;

    kprintf(
        "vmm: dropped %u identity PML4 entries, reclaimed %lu boot frames, "
        "populated %u kernel PML4 entries (%u present from the loader, %u-bit physical "
        "addresses), the rest sealed\n",
        dropped, reclaimed, populated, present, phys_bits);
}

Result<void> map_kernel_pages(VirtAddr va, PhysAddr pa, size_t pages, PageFlags flags) {
    sync::Guard lock(g_kernel_vmm_lock);
    TRY(check_kernel_range(va, pages));
    if (flags.user || (pa & (paging::kPageSize - 1))) return Error::kInvalid;
    return kernel_page_table().map_range(va, pa, pages * paging::kPageSize, flags);
}

Result<void> unmap_kernel_pages(VirtAddr va, size_t pages) {
    {
        sync::Guard lock(g_kernel_vmm_lock);
        KernelPageTable pt = kernel_page_table();
        TRY(check_mapped_4k(pt, va, pages));
        for (size_t i = 0; i < pages; ++i) VERIFY(pt.unmap(va + i * paging::kPageSize).ok());
    }
    shootdown_kernel_range(va, pages);
    return {};
}

Result<void> protect_kernel_pages(VirtAddr va, size_t pages, PageFlags flags) {
    if (flags.user) return Error::kInvalid;
    {
        sync::Guard lock(g_kernel_vmm_lock);
        KernelPageTable pt = kernel_page_table();
        TRY(check_mapped_4k(pt, va, pages));
        for (size_t i = 0; i < pages; ++i)
            VERIFY(pt.protect(va + i * paging::kPageSize, flags).ok());
    }
    shootdown_kernel_range(va, pages);
    return {};
}

Result<VirtAddr> allocate_kernel_stack(size_t pages) {
    {
        sync::Guard lock(g_kernel_vmm_lock);
        if (VirtAddr cached = take_cached_stack(pages)) return cached;
        KernelPageTable pt = kernel_page_table();
        StackFrames frames;
        auto top = g_stacks.allocate(pt, frames, pages);
        if (top.ok() || top.error() != Error::kNoMemory) return top;
    }
    // Out of frames or slots: the cache may hold some.
    if (reclaim_kernel_stacks() == 0) return Error::kNoMemory;
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable pt = kernel_page_table();
    StackFrames frames;
    return g_stacks.allocate(pt, frames, pages);
}

void free_kernel_stack(VirtAddr top) {
    PhysAddr detached[KernelStackArea::kMaxStackPages];
    size_t pages;
    {
        sync::Guard lock(g_kernel_vmm_lock);
        size_t size = g_stacks.pages_of(top);
        if (size && size <= kMaxCachedStackPages && g_cached_stack_count < kStackCacheSize) {
            g_cached_stacks[g_cached_stack_count] = top;
            g_cached_stack_pages[g_cached_stack_count] = uint8_t(size);
            ++g_cached_stack_count;
            return;
        }
        KernelPageTable pt = kernel_page_table();
        pages = g_stacks.detach(pt, top, detached);
    }
    shootdown_kernel_range(top - pages * paging::kPageSize, pages);
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable pt = kernel_page_table();
    StackFrames frames;
    g_stacks.release(pt, frames, top, detached, pages);
}

size_t reclaim_kernel_stacks() {
    // 1.6 KiB of this stack: it runs from meminfo and from an allocation
    // that ran out, both shallow paths (measured by kstack_audit's runs).
    VirtAddr tops[kStackCacheSize];
    PhysAddr frames_of[kStackCacheSize][kMaxCachedStackPages];
    uint8_t pages[kStackCacheSize];
    size_t count;
    {
        sync::Guard lock(g_kernel_vmm_lock);
        count = g_cached_stack_count;
        if (count == 0) return 0;
        KernelPageTable pt = kernel_page_table();
        for (size_t i = 0; i < count; ++i) {
            tops[i] = g_cached_stacks[i];
            pages[i] = g_cached_stack_pages[i];
            VERIFY(g_stacks.pages_of(tops[i]) == pages[i]);
            VERIFY(g_stacks.detach(pt, tops[i], frames_of[i]) == pages[i]);
        }
        g_cached_stack_count = 0;
    }
    shootdown_kernel_range(0, 0);  // 0 pages: everything
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable pt = kernel_page_table();
    StackFrames frames;
    for (size_t i = 0; i < count; ++i)
        g_stacks.release(pt, frames, tops[i], frames_of[i], pages[i]);
    return count;
}

size_t kernel_stack_pages(VirtAddr top) {
    sync::Guard lock(g_kernel_vmm_lock);
    return g_stacks.pages_of(top);
}

}  // namespace nyanos::mm
