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

namespace nyanos::mm {

sync::IrqSpinLock g_kernel_vmm_lock;

using paging::PageTableEntry;

namespace {

constexpr uint64_t kCr4Pge = 1ull << 7;

KernelPagingEnv g_env;
PhysAddr g_root = 0;
bool g_kernel_half_sealed = false;
constinit KernelStackArea g_stacks GUARDED_BY(g_kernel_vmm_lock){kKernelStackAreaBase,
                                                                 kKernelStackSlots};

// Kernel stack frames come from the PMM, counted as kKernelStack.
struct StackFrames {
    Result<PhysAddr> allocate() {
        return physical_memory().allocate_zeroed_frame(FrameUse::kKernelStack);
    }
    void free(PhysAddr frame) { physical_memory().free_frame(frame, FrameUse::kKernelStack); }
};

// Drops every TLB entry, global ones included (toggling CR4.PGE does that;
// a CR3 reload alone keeps global entries).
void flush_tlb_all() {
    uint64_t cr4 = arch::read_cr4();
    if (cr4 & kCr4Pge) {
        arch::write_cr4(cr4 & ~kCr4Pge);
        arch::write_cr4(cr4);
    }
    arch::write_cr3(arch::read_cr3());
}

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
    flush_tlb_all();
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
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable pt = kernel_page_table();
    TRY(check_mapped_4k(pt, va, pages));
    for (size_t i = 0; i < pages; ++i) VERIFY(pt.unmap(va + i * paging::kPageSize).ok());
    return {};
}

Result<void> protect_kernel_pages(VirtAddr va, size_t pages, PageFlags flags) {
    sync::Guard lock(g_kernel_vmm_lock);
    if (flags.user) return Error::kInvalid;
    KernelPageTable pt = kernel_page_table();
    TRY(check_mapped_4k(pt, va, pages));
    for (size_t i = 0; i < pages; ++i) VERIFY(pt.protect(va + i * paging::kPageSize, flags).ok());
    return {};
}

Result<VirtAddr> allocate_kernel_stack(size_t pages) {
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable pt = kernel_page_table();
    StackFrames frames;
    return g_stacks.allocate(pt, frames, pages);
}

void free_kernel_stack(VirtAddr top) {
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable pt = kernel_page_table();
    StackFrames frames;
    g_stacks.free(pt, frames, top);
}

size_t kernel_stack_pages(VirtAddr top) {
    sync::Guard lock(g_kernel_vmm_lock);
    return g_stacks.pages_of(top);
}

}  // namespace nyanos::mm
