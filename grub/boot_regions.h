// The GRUB loader's view of physical memory: the multiboot2 memory map turned
// into the handoff's MemoryRegion list, which then doubles as the loader's
// frame allocator. Claiming a range retypes the usable memory under it, so
// the list the kernel receives says exactly which frames the loader, GRUB's
// MBI, the modules and the kernel occupy.
//
// Header-only and allocation-free (the loader has no heap); host-tested in
// test/host/multiboot2_test.cpp.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/boot/handoff.h"
#include "nyanos/boot/memory_map.h"
#include "nyanos/boot/multiboot2.h"
#include "nyanos/lib/result.h"

namespace nyanos::boot {

constexpr MemoryType from_multiboot2_memory_type(uint32_t type) {
    switch (type) {
        case multiboot2::kMemAvailable:
            return MemoryType::kUsable;
        case multiboot2::kMemAcpiReclaimable:
            return MemoryType::kAcpiReclaimable;
        case multiboot2::kMemAcpiNvs:
            return MemoryType::kAcpiNvs;
        case multiboot2::kMemBadRam:
            return MemoryType::kBadMemory;
        default:
            return MemoryType::kReserved;  // 2 and anything unknown
    }
}

// A MemoryRegion list with a fixed capacity, kept normalized (sorted,
// 4 KiB granular, non-overlapping, touching equal types merged).
template <size_t Capacity>
class RegionList {
public:
    static constexpr uint64_t kPage = 4096;

    size_t count() const { return m_count; }
    const MemoryRegion& operator[](size_t i) const { return m_regions[i]; }
    const MemoryRegion* data() const { return m_regions; }

    // Builds the list from a parsed MBI's memory map. kRange if it has more
    // entries than fit, kNoEntry if it has no memory map or no usable memory.
    Result<void> load(const multiboot2::Info& info) {
        if (!info.memory_map || info.memory_map_entry_count == 0) return Error::kNoEntry;
        if (info.memory_map_entry_count > Capacity) return Error::kRange;
        m_count = 0;
        for (uint32_t i = 0; i < info.memory_map_entry_count; ++i) {
            multiboot2::MemoryMapEntry e = info.memory_map_entry(i);
            m_regions[m_count++] =
                MemoryRegion{e.base, e.length, from_multiboot2_memory_type(e.type), 0};
        }
        m_count = normalize_memory_map(m_regions, m_count);
        for (size_t i = 0; i < m_count; ++i) {
            if (m_regions[i].type == MemoryType::kUsable) return {};
        }
        return Error::kNoEntry;
    }

    // Retypes the usable memory inside [base, end) (widened to whole pages)
    // as `type`; anything else there keeps its type. Fails with kRange when
    // the list would overflow, leaving it unchanged.
    Result<void> claim(uint64_t base, uint64_t end, MemoryType type) {
        base &= ~(kPage - 1);
        end = (end + kPage - 1) & ~(kPage - 1);
        if (end <= base) return {};
        // Each usable region the range cuts through may add two pieces.
        size_t extra = 0;
        for (size_t i = 0; i < m_count; ++i) {
            if (overlaps(m_regions[i], base, end) && m_regions[i].type == MemoryType::kUsable)
                extra += 2;
        }
        if (m_count + extra > Capacity) return Error::kRange;
        size_t n = m_count;
        for (size_t i = 0; i < n; ++i) {
            MemoryRegion r = m_regions[i];
            if (r.type != MemoryType::kUsable || !overlaps(r, base, end)) continue;
            uint64_t r_end = r.base + r.length;
            uint64_t mid_base = base > r.base ? base : r.base;
            uint64_t mid_end = end < r_end ? end : r_end;
            m_regions[i] = MemoryRegion{mid_base, mid_end - mid_base, type, 0};
            if (mid_base > r.base)
                m_regions[m_count++] = MemoryRegion{r.base, mid_base - r.base, r.type, 0};
            if (mid_end < r_end)
                m_regions[m_count++] = MemoryRegion{mid_end, r_end - mid_end, r.type, 0};
        }
        m_count = normalize_memory_map(m_regions, m_count);
        return {};
    }

    // Takes `bytes` (rounded up to pages) of usable memory in [low, high) at
    // the lowest address that fits, and retypes it as `type`. Returns its
    // base; kNoMemory if no usable range is large enough.
    Result<uint64_t> allocate(uint64_t bytes, MemoryType type, uint64_t low, uint64_t high) {
        bytes = (bytes + kPage - 1) & ~(kPage - 1);
        if (bytes == 0) return Error::kInvalid;
        for (size_t i = 0; i < m_count; ++i) {
            const MemoryRegion& r = m_regions[i];
            if (r.type != MemoryType::kUsable) continue;
            uint64_t lo = r.base > low ? r.base : low;
            uint64_t hi = r.base + r.length < high ? r.base + r.length : high;
            lo = (lo + kPage - 1) & ~(kPage - 1);
            if (hi <= lo || hi - lo < bytes) continue;
            TRY(claim(lo, lo + bytes, type));
            return lo;
        }
        return Error::kNoMemory;
    }

private:
    static bool overlaps(const MemoryRegion& r, uint64_t base, uint64_t end) {
        return r.base < end && base < r.base + r.length;
    }

    MemoryRegion m_regions[Capacity]{};
    size_t m_count = 0;
};

}  // namespace nyanos::boot
