// Which kernel-half PML4 entries the kernel populates at boot
// (kernel/mm/kernel_layout.h).
#include <doctest/doctest.h>

#include "mm/kernel_layout.h"
#include "mm/kernel_stack_area.h"

using namespace nyanos;
using namespace nyanos::mm;

namespace {

constexpr uint64_t kStackArea = kKernelStackSlots * KernelStackArea::kSlotSize;

unsigned count_needed(unsigned phys_bits) {
    unsigned n = 0;
    for (unsigned i = 256; i < 512; ++i) n += kernel_pml4_entry_needed(i, phys_bits, kStackArea);
    return n;
}

}  // namespace

TEST_CASE("kernel layout: only the kernel areas' PML4 entries are populated") {
    // Enough slots for 4096 processes, all in one PML4 entry (one PT per 128).
    CHECK(kKernelStackSlots >= 4096);
    CHECK(kKernelStackSlots <= KernelStackArea::kMaxSlots);
    CHECK(pml4_index_of(kKernelStackAreaBase) ==
          pml4_index_of(kKernelStackAreaBase + kStackArea - 1));

    // HHDM: ceil(2^bits / 512 GiB) entries, at least one, at most the area.
    CHECK(hhdm_pml4_entries(36) == 1);
    CHECK(hhdm_pml4_entries(39) == 1);
    CHECK(hhdm_pml4_entries(40) == 2);
    CHECK(hhdm_pml4_entries(46) == 128);
    CHECK(hhdm_pml4_entries(52) == 128);

    // 40-bit CPU (QEMU's default): 2 HHDM + stacks + scratch + image.
    CHECK(count_needed(40) == 5);
    CHECK(count_needed(36) == 4);
    CHECK(count_needed(52) == 131);
    for (unsigned i : {256u, 257u, 384u, 416u, 511u})
        CHECK(kernel_pml4_entry_needed(i, 40, kStackArea));
    for (unsigned i : {258u, 383u, 385u, 415u, 417u, 448u, 510u})
        CHECK(!kernel_pml4_entry_needed(i, 40, kStackArea));
    // The areas the kernel maps into lie in the entries it keeps.
    CHECK(kernel_pml4_entry_needed(pml4_index_of(kKernelScratchBase), 36, kStackArea));
    CHECK(kernel_pml4_entry_needed(pml4_index_of(kKernelScratchEnd - 1), 36, kStackArea));
    CHECK(kernel_pml4_entry_needed(pml4_index_of(0xffffffffffffffffull), 36, kStackArea));
}
