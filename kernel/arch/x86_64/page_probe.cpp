#include "arch/x86_64/page_probe.h"

#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "nyanos/paging/page_table.h"

namespace nyanos::arch {

namespace {

// A PageTable environment for reading only: translate() needs nothing but
// the direct map (the operations that would allocate or invalidate are
// never instantiated).
struct LiveTablesReader {
    void* phys_to_virt(paging::PhysAddr phys) { return nyanos::phys_to_virt(phys); }
};

}  // namespace

bool is_mapped(uint64_t va) {
    if (!paging::is_canonical(va)) return false;
    LiveTablesReader reader;
    paging::PageTable<LiveTablesReader> tables(reader,
                                               read_cr3() & paging::PageTableEntry::kAddressMask);
    return tables.translate(va).ok();
}

}  // namespace nyanos::arch
