// The kernel half of every user root under page-table isolation (KPTI):
// a PML4 built once at boot whose kernel-half entries every user root
// copies, as every root copies the kernel's. It maps, at their kernel
// addresses and to the same frames, only what the entry and exit paths touch
// while a user root is loaded (arch/x86_64/kpti.h lists the set); nothing
// of the direct map, the heap or the kernel image's other pages.
//
// Portable (host-tested over fake RAM): `Env` is the template's PageTable
// environment, `KernelEnv` the one of the kernel's own tables, which say
// where each page lives.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "nyanos/paging/page_table.h"

namespace nyanos::mm {

// Maps the pages covering [va, va + bytes) (kernel-half addresses) into
// `templ` at the same addresses, each to the frame `kernel` maps it to
// (through a 4 KiB, 2 MiB or 1 GiB leaf), with `flags` (user forced off).
// kNoEntry if a page is not mapped in `kernel`, kInvalid for a range
// outside the kernel half, kNoMemory if a table cannot be allocated; a page
// already aliased to the same frame is left as it is. Not all or nothing:
// the template is built at boot, where a failure is fatal.
template <typename Env, typename KernelEnv>
Result<void> alias_into_template(paging::PageTable<Env>& templ,
                                 paging::PageTable<KernelEnv>& kernel, paging::VirtAddr va,
                                 uint64_t bytes, paging::PageFlags flags) {
    constexpr paging::VirtAddr kKernelHalf = 0xffff800000000000ull;
    if (bytes == 0) return {};
    paging::VirtAddr first = paging::align_down(va, paging::kPageSize);
    paging::VirtAddr end = paging::align_up(va + bytes, paging::kPageSize);
    if (first < kKernelHalf || end <= first) return Error::kInvalid;
    flags.user = false;
    for (paging::VirtAddr page = first; page != end; page += paging::kPageSize) {
        paging::Translation t = TRY(kernel.translate(page));
        uint64_t leaf_bytes = t.size == paging::PageSize::k4K   ? paging::kPageSize
                              : t.size == paging::PageSize::k2M ? paging::kLargePageSize
                                                                : (1ull << 30);
        paging::PhysAddr phys = t.phys + (page & (leaf_bytes - 1));
        auto present = templ.translate(page);
        if (present.ok() && present.value().phys == phys) continue;
        TRY(templ.map(page, phys, flags));
    }
    return {};
}

}  // namespace nyanos::mm
