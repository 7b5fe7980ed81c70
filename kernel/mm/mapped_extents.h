// The parts of the lower half an address space has ever mapped (with the
// tables made for them), kept as a few disjoint ranges so that destroying
// the space walks only the page-table entries that can hold something.
//
// A minimal process maps its image at 0x400000 and its stack just below
// 0x1000000: one range spanning both would make teardown scan ~1,000 empty
// entries between them; two ranges make it read only the used ones.
//
// Portable, no allocation: at most kMaxRanges ranges. When a new range does
// not fit, the two neighbours with the smallest gap are merged, so the set
// only ever grows and always covers every mapping.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/paging/page_table.h"

namespace nyanos::mm {

template <size_t MaxRanges>
class BasicMappedExtents {
public:
    static constexpr size_t kMaxRanges = MaxRanges;
    static_assert(kMaxRanges >= 1);

    // Adds [lo, hi) (lo < hi), merging it with every range it overlaps or touches.
    void add(paging::VirtAddr lo, paging::VirtAddr hi) {
        // Fast path, taken by every demand-paged page after the first: the
        // range overlaps or touches exactly one range and no neighbour.
        for (size_t i = 0; i < m_count; ++i) {
            paging::VirtRange& r = m_ranges[i];
            if (hi < r.lo || lo > r.hi) continue;
            bool reaches_prev = i > 0 && lo <= m_ranges[i - 1].hi;
            bool reaches_next = i + 1 < m_count && hi >= m_ranges[i + 1].lo;
            if (reaches_prev || reaches_next) break;
            if (lo < r.lo) r.lo = lo;
            if (hi > r.hi) r.hi = hi;
            return;
        }
        // Build the sorted, merged result in a buffer one larger than needed.
        paging::VirtRange merged[kMaxRanges + 1];
        size_t n = 0;
        bool placed = false;
        for (size_t i = 0; i < m_count; ++i) {
            const paging::VirtRange& r = m_ranges[i];
            if (r.hi < lo) {
                merged[n++] = r;  // wholly below, not touching
            } else if (r.lo > hi) {
                if (!placed) {
                    merged[n++] = {lo, hi};
                    placed = true;
                }
                merged[n++] = r;  // wholly above, not touching
            } else {
                lo = r.lo < lo ? r.lo : lo;  // overlapping or touching: absorb it
                hi = r.hi > hi ? r.hi : hi;
            }
        }
        if (!placed) merged[n++] = {lo, hi};
        if (n > kMaxRanges) {
            size_t best = 0;
            for (size_t i = 1; i + 1 < n; ++i)
                if (merged[i + 1].lo - merged[i].hi < merged[best + 1].lo - merged[best].hi)
                    best = i;
            merged[best].hi = merged[best + 1].hi;
            for (size_t i = best + 1; i + 1 < n; ++i) merged[i] = merged[i + 1];
            --n;
        }
        for (size_t i = 0; i < n; ++i) m_ranges[i] = merged[i];
        m_count = uint32_t(n);
    }

    // Sorted by address, disjoint and not touching.
    const paging::VirtRange* ranges() const { return m_ranges; }
    size_t count() const { return m_count; }

private:
    paging::VirtRange m_ranges[kMaxRanges] = {};
    uint32_t m_count = 0;
};

// What AddressSpace keeps: three ranges, for the image, the stack and the
// heap of an ordinary process (it lives in every Process, whose size is budgeted).
using MappedExtents = BasicMappedExtents<3>;

}  // namespace nyanos::mm
