#include "mm/mmio.h"

#include "arch/x86_64/cpu.h"
#include "boot_info.h"
#include "mm/kernel_layout.h"
#include "mm/vmm.h"

namespace nyanos::mm {

void* map_physical(uint64_t phys, uint64_t size, bool device) {
    if (size == 0 || phys + size < phys) return nullptr;
    // The HHDM ends where the kernel stacks begin: beyond, phys_to_virt()
    // would point into another area.
    if (phys + size > kKernelStackAreaBase - kHhdmAreaBase) return nullptr;
    sync::Guard lock(g_kernel_vmm_lock);
    KernelPageTable tables = kernel_page_table();
    uint64_t first = paging::align_down(phys, paging::kPageSize);
    uint64_t end = paging::align_up(phys + size, paging::kPageSize);
    // Not global: under page-table isolation a global entry would outlive
    // the switch to a user root.
    const PageFlags flags{.writable = true, .executable = false, .uncached = device};
    for (uint64_t page = first; page < end; page += paging::kPageSize) {
        auto va = reinterpret_cast<VirtAddr>(phys_to_virt(page));
        if (tables.translate(va).ok()) continue;
        if (!tables.map(va, page, flags).ok()) return nullptr;
    }
    return phys_to_virt(phys);
}

}  // namespace nyanos::mm
