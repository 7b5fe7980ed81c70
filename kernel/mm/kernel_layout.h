// The kernel half's layout, and which of its PML4 entries the kernel can
// ever map into. Portable (host-tested): the VMM uses it at boot to give only
// those entries a PDPT.
//
// Every address space copies PML4 entries 256..511 of the kernel's PML4 when
// it is created, so a kernel mapping made later is visible everywhere only if
// the PDPT it lands in already existed then. The kernel therefore gives a
// PDPT, at boot, to every entry it can ever map into, and to no other: an
// entry outside the areas below stays absent forever, which saves a page
// table frame per entry (254 entries would be ~1 MiB).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/boot/handoff.h"
#include "nyanos/paging/pte.h"

namespace nyanos::mm {

using paging::VirtAddr;

inline constexpr uint64_t kPml4EntrySpan = 1ull << 39;  // 512 GiB

// 0xffff800000000000: the HHDM. It covers every physical address the CPU can
// have (RAM, and device memory mapped on demand by mm::map_physical), so
// its populated part follows MAXPHYADDR, capped at the area's size (64 TiB).
inline constexpr VirtAddr kHhdmAreaBase = boot::kHhdmBase;
// 0xffffc00000000000: kernel stacks, kKernelStackSlots slots.
inline constexpr VirtAddr kKernelStackAreaBase = 0xffffc00000000000ull;
inline constexpr size_t kKernelStackSlots = 8192;
// 0xffffd00000000000: free for kernel mappings (map_kernel_pages), one PML4
// entry (512 GiB); the self-test uses its start.
inline constexpr VirtAddr kKernelScratchBase = 0xffffd00000000000ull;
inline constexpr VirtAddr kKernelScratchEnd = kKernelScratchBase + kPml4EntrySpan;
// 0xffffffff80000000: the kernel image, in PML4 entry 511.
inline constexpr VirtAddr kKernelImageBase = 0xffffffff80000000ull;

constexpr unsigned pml4_index_of(VirtAddr va) {
    return unsigned((va >> 39) & 511);
}

// How many HHDM PML4 entries cover physical addresses [0, 2^phys_bits),
// capped at the HHDM area (entries 256..383).
constexpr unsigned hhdm_pml4_entries(unsigned phys_bits) {
    constexpr unsigned kAreaEntries = unsigned((kKernelStackAreaBase - kHhdmAreaBase) >> 39);
    if (phys_bits >= 52) phys_bits = 52;
    if (phys_bits <= 39) return 1;
    uint64_t entries = 1ull << (phys_bits - 39);
    return entries < kAreaEntries ? unsigned(entries) : kAreaEntries;
}

// Whether kernel-half PML4 entry `index` (256..511) can ever hold a kernel
// mapping on a CPU with `phys_bits` physical address bits (CPUID
// 0x80000008 EAX[7:0]). `stack_area_bytes` is the size of the kernel-stack
// area (slots x slot size).
constexpr bool kernel_pml4_entry_needed(unsigned index, unsigned phys_bits,
                                        uint64_t stack_area_bytes) {
    unsigned hhdm_first = pml4_index_of(kHhdmAreaBase);
    if (index >= hhdm_first && index < hhdm_first + hhdm_pml4_entries(phys_bits)) return true;
    unsigned stacks_first = pml4_index_of(kKernelStackAreaBase);
    unsigned stacks_last = pml4_index_of(kKernelStackAreaBase + stack_area_bytes - 1);
    if (index >= stacks_first && index <= stacks_last) return true;
    if (index == pml4_index_of(kKernelScratchBase)) return true;
    return index == pml4_index_of(kKernelImageBase);
}

}  // namespace nyanos::mm
