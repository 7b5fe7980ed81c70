#include "arch/x86_64/mmio.h"

#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "mm/pcid.h"
#include "mm/vmm.h"
#include "nyanos/paging/page_table.h"

namespace nyanos::arch {

namespace {

using paging::PageTableEntry;
using paging::PhysAddr;

// Enough for a handful of device pages in distinct 2 MiB and 1 GiB regions
// (LAPIC, IOAPIC, ACPI tables): each may need a PD and a PT.
constexpr unsigned kPoolTables = 8;
alignas(4096) uint8_t g_pool[kPoolTables][paging::kPageSize];
bool g_pool_used[kPoolTables];

PhysAddr kernel_image_phys(const void* va) {
    const auto& info = boot_info();
    return reinterpret_cast<uint64_t>(va) - info.kernel_virt_base + info.kernel_phys_base;
}

// The environment PageTable needs, over the live tables through the HHDM.
struct LiveTablesEnv {
    Result<PhysAddr> allocate_table() {
        for (unsigned i = 0; i < kPoolTables; ++i) {
            if (g_pool_used[i]) continue;
            g_pool_used[i] = true;
            for (auto& byte : g_pool[i]) byte = 0;
            return kernel_image_phys(g_pool[i]);
        }
        return Error::kNoMemory;
    }
    void free_table(PhysAddr table) {
        for (unsigned i = 0; i < kPoolTables; ++i)
            if (kernel_image_phys(g_pool[i]) == table) g_pool_used[i] = false;
    }
    void* phys_to_virt(PhysAddr phys) { return nyanos::phys_to_virt(phys); }
    // A kernel-half entry: every PCID may cache it.
    void invalidate(paging::VirtAddr va) { mm::invalidate_kernel_page(va); }
    // The HHDM entries below MAXPHYADDR are present from init_vmm() on; an
    // address needing another one gets no mapping (see mm::kernel_half_sealed).
    bool may_add_kernel_pml4_entry() { return !mm::kernel_half_sealed(); }
};

PhysAddr live_root() {
    return read_cr3() & PageTableEntry::kAddressMask;
}

}  // namespace

void* map_physical(uint64_t phys, uint64_t size, bool device) {
    if (size == 0 || phys + size < phys) return nullptr;
    // The HHDM ends where the kernel stacks begin: beyond, phys_to_virt()
    // would point into another area.
    if (phys + size > mm::kKernelStackAreaBase - mm::kHhdmAreaBase) return nullptr;
    LiveTablesEnv env;
    paging::PageTable<LiveTablesEnv> tables(env, live_root());
    uint64_t first = paging::align_down(phys, paging::kPageSize);
    uint64_t end = paging::align_up(phys + size, paging::kPageSize);
    paging::PageFlags flags{
        .writable = true, .executable = false, .global = true, .uncached = device};
    for (uint64_t page = first; page < end; page += paging::kPageSize) {
        uint64_t va = reinterpret_cast<uint64_t>(nyanos::phys_to_virt(page));
        if (tables.translate(va).ok()) continue;
        // A failure leaves earlier pages of this call mapped: harmless (the
        // HHDM address of a frame never means anything else) and reported.
        if (!tables.map(va, page, flags).ok()) return nullptr;
    }
    return nyanos::phys_to_virt(phys);
}

bool is_mapped(uint64_t va) {
    if (!paging::is_canonical(va)) return false;
    LiveTablesEnv env;
    paging::PageTable<LiveTablesEnv> tables(env, live_root());
    return tables.translate(va).ok();
}

}  // namespace nyanos::arch
