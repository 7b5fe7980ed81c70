#include "mm/low_memory.h"

namespace nyanos::mm {

namespace {

bool overlaps(const boot::MemoryRegion& r, paging::PhysAddr base, paging::PhysAddr end) {
    return r.length != 0 && r.base < end && (base < r.base || base - r.base < r.length);
}

bool contains(const boot::MemoryRegion& r, paging::PhysAddr base, paging::PhysAddr end) {
    return r.base <= base && end - r.base <= r.length;
}

}  // namespace

size_t find_low_frames(const boot::MemoryRegion* map, size_t regions, paging::PhysAddr* out,
                       size_t count) {
    size_t found = 0;
    for (paging::PhysAddr frame = kLowFramesCeiling - paging::kPageSize;
         found < count && frame >= kLowFramesFloor; frame -= paging::kPageSize) {
        paging::PhysAddr end = frame + paging::kPageSize;
        bool usable = false, taken = false;
        for (size_t i = 0; i < regions && !taken; ++i) {
            if (!overlaps(map[i], frame, end)) continue;
            if (map[i].type == boot::MemoryType::kUsable && contains(map[i], frame, end))
                usable = true;
            else
                taken = true;
        }
        if (usable && !taken) out[found++] = frame;
    }
    return found;
}

}  // namespace nyanos::mm
