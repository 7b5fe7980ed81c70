#include "mm/vm_map.h"

#include <string.h>

#include "lib/panic.h"

namespace nyanos::mm {

namespace {

constexpr uint64_t kPage = paging::kPageSize;

bool page_aligned(uint64_t v) {
    return (v & (kPage - 1)) == 0;
}

// The lowest address a region keeps from the free-gap search: a stack's
// growth range and the guard gap below it count as taken.
VirtAddr occupied_start(const Region& r) {
    if (r.kind != RegionKind::kStack) return r.start;
    VirtAddr low = r.offset < r.start ? r.offset : r.start;
    return low > VmMap::kStackGuardGap ? low - VmMap::kStackGuardGap : 0;
}

// Each region of a map holds one reference to its file backing.
void take_file(const Region& r) {
    if (r.file) r.file->add_ref();
}
void drop_file(const Region& r) {
    if (r.file) r.file->release_ref();
}

}  // namespace

static_assert(sizeof(Region) == 40, "a region is 40 bytes: keep the initial block in its slot");

VmMap::Header* VmMap::allocate_block(MetadataAllocator& allocator, size_t capacity) {
    void* memory = allocator.allocate_metadata(kHeaderBytes + capacity * sizeof(Region));
    if (!memory) return nullptr;
    auto* block = static_cast<Header*>(memory);
    block->allocator = &allocator;
    block->count = 0;
    block->capacity = uint32_t(capacity);
    block->hint = 0;
    return block;
}

Result<VmMap> VmMap::try_create(MetadataAllocator& allocator) {
    Header* block = allocate_block(allocator, kInitialCapacity);
    if (!block) return Error::kNoMemory;
    return VmMap(block);
}

void VmMap::destroy_block(Header* block) {
    if (!block) return;
    const Region* r = regions_of(block);
    for (size_t i = 0; i < block->count; ++i) drop_file(r[i]);
    block->allocator->free_metadata(block);
}

VmMap& VmMap::operator=(VmMap&& other) {
    if (this != &other) {
        destroy_block(m_block);
        m_block = other.m_block;
        other.m_block = nullptr;
    }
    return *this;
}

VmMap::~VmMap() {
    destroy_block(m_block);
}

Result<VmMap> VmMap::clone() const {
    if (!m_block) return VmMap();
    size_t capacity = m_block->count > kInitialCapacity ? m_block->count : kInitialCapacity;
    Header* block = allocate_block(*m_block->allocator, capacity);
    if (!block) return Error::kNoMemory;
    block->count = m_block->count;
    memcpy(reinterpret_cast<uint8_t*>(block) + kHeaderBytes, regions(),
           m_block->count * sizeof(Region));
    // Nothing can fail from here: the copy's regions take their references.
    for (size_t i = 0; i < m_block->count; ++i) take_file(regions_of(block)[i]);
    return VmMap(block);
}

size_t VmMap::count() const {
    return m_block ? m_block->count : 0;
}

const Region* VmMap::regions() const {
    return m_block ? regions_of(m_block) : nullptr;
}

Region* VmMap::mutable_regions() {
    return reinterpret_cast<Region*>(reinterpret_cast<uint8_t*>(m_block) + kHeaderBytes);
}

size_t VmMap::lower_bound(VirtAddr va) const {
    const Region* r = regions();
    size_t lo = 0, hi = count();
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r[mid].end <= va) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

const Region* VmMap::find_slow(VirtAddr va) const {
    if (!m_block || m_block->count == 0) return nullptr;
    const Region* r = regions();
    size_t i = lower_bound(va);
    if (i == m_block->count || va < r[i].start) return nullptr;
    m_block->hint = uint32_t(i);
    return &r[i];
}

bool VmMap::intersects(VirtAddr lo, VirtAddr hi) const {
    if (lo >= hi) return false;
    size_t i = lower_bound(lo);
    return i < count() && regions()[i].start < hi;
}

bool VmMap::covers(VirtAddr lo, VirtAddr hi) const {
    if (lo >= hi) return true;
    const Region* r = regions();
    size_t i = lower_bound(lo);
    VirtAddr at = lo;
    for (; i < count() && at < hi; ++i) {
        if (r[i].start > at) return false;
        at = r[i].end;
    }
    return at >= hi;
}

Result<void> VmMap::reserve(size_t extra) {
    if (!m_block) return Error::kNoMemory;
    size_t needed = size_t(m_block->count) + extra;
    if (needed > kMaxRegions) return Error::kNoMemory;
    if (needed <= m_block->capacity) return {};
    size_t capacity = size_t(m_block->capacity) * 2;
    if (capacity < needed) capacity = needed;
    if (capacity > kMaxRegions) capacity = kMaxRegions;
    Header* block = allocate_block(*m_block->allocator, capacity);
    if (!block) return Error::kNoMemory;
    block->count = m_block->count;
    block->hint = m_block->hint;
    memcpy(reinterpret_cast<uint8_t*>(block) + kHeaderBytes, regions(),
           m_block->count * sizeof(Region));
    m_block->allocator->free_metadata(m_block);
    m_block = block;
    return {};
}

void VmMap::insert_at(size_t i, const Region& region) {
    VERIFY(m_block->count < m_block->capacity);
    Region* r = mutable_regions();
    // Region by region from the top: the kernel's memmove copies an
    // overlapping move upwards a byte at a time, and the compiler would turn
    // a plain loop into that call (the empty asm keeps it a loop).
    for (size_t k = m_block->count; k > i; --k) {
        r[k] = r[k - 1];
        asm volatile("" ::: "memory");
    }
    r[i] = region;
    take_file(region);
    ++m_block->count;
}

void VmMap::erase(size_t i, size_t j) {
    if (i >= j) return;
    Region* r = mutable_regions();
    for (size_t k = i; k < j; ++k) drop_file(r[k]);
    memmove(r + i, r + j, (m_block->count - j) * sizeof(Region));
    m_block->count -= uint32_t(j - i);
}

void VmMap::split(size_t i, VirtAddr va) {
    Region* r = mutable_regions();
    VERIFY(va > r[i].start && va < r[i].end);
    Region upper = r[i];
    upper.start = va;
    if (upper.kind == RegionKind::kFile) upper.offset = r[i].offset + (va - r[i].start);
    r[i].end = va;
    insert_at(i + 1, upper);
}

bool VmMap::compatible(const Region& a, const Region& b) {
    if (a.kind != b.kind || a.prot != b.prot || a.flags != b.flags || a.file != b.file)
        return false;
    switch (a.kind) {
        case RegionKind::kFile:
            return a.offset + (a.end - a.start) == b.offset;
        case RegionKind::kStack:
            return false;  // offset is each one's growth limit
        case RegionKind::kAnonymous:
        case RegionKind::kHeap:
            return true;
    }
    return false;
}

void VmMap::merge_span(size_t i, size_t j) {
    if (count() < 2) return;
    if (j >= count()) j = count() - 1;
    Region* r = mutable_regions();
    for (size_t k = j; k > i && k > 0; --k) {
        if (r[k - 1].end != r[k].start || !compatible(r[k - 1], r[k])) continue;
        r[k - 1].end = r[k].end;
        erase(k, k + 1);
    }
    m_block->hint = 0;
}

Result<void> VmMap::insert(const Region& region) {
    if (!m_block) return Error::kNoMemory;
    if (region.start >= region.end || !page_aligned(region.start) || !page_aligned(region.end))
        return Error::kInvalid;
    size_t i = lower_bound(region.start);
    const Region* r = regions();
    if (i < count() && r[i].start < region.end) return Error::kExists;
    bool joins_below = i > 0 && r[i - 1].end == region.start && compatible(r[i - 1], region);
    bool joins_above = i < count() && r[i].start == region.end && compatible(region, r[i]);
    if (joins_below || joins_above) {
        // No new slot: the new range widens a neighbour (maybe joining two).
        Region* w = mutable_regions();
        if (joins_below && joins_above) {
            w[i - 1].end = w[i].end;
            erase(i, i + 1);
        } else if (joins_below) {
            w[i - 1].end = region.end;
        } else {
            w[i].start = region.start;
            w[i].offset = region.offset;
        }
        m_block->hint = 0;
        return {};
    }
    TRY(reserve(1));
    insert_at(i, region);
    return {};
}

Result<void> VmMap::remove(VirtAddr lo, VirtAddr hi) {
    if (!page_aligned(lo) || !page_aligned(hi)) return Error::kInvalid;
    if (lo >= hi || !m_block) return {};
    size_t i = lower_bound(lo);
    if (i == count() || regions()[i].start >= hi) return {};
    if (regions()[i].start < lo && regions()[i].end > hi) {
        // Inside one region: it becomes two.
        TRY(reserve(1));
        split(i, hi);
        mutable_regions()[i].end = lo;
        m_block->hint = 0;
        return {};
    }
    Region* r = mutable_regions();
    if (r[i].start < lo) {
        r[i].end = lo;
        ++i;
    }
    size_t j = i;
    while (j < count() && r[j].end <= hi) ++j;
    if (j < count() && r[j].start < hi) {
        if (r[j].kind == RegionKind::kFile) r[j].offset += hi - r[j].start;
        r[j].start = hi;
    }
    erase(i, j);
    m_block->hint = 0;
    return {};
}

Result<void> VmMap::protect(VirtAddr lo, VirtAddr hi, uint8_t prot) {
    if (!page_aligned(lo) || !page_aligned(hi) || (prot & ~kProtMask)) return Error::kInvalid;
    if (lo >= hi || !m_block) return {};
    size_t i = lower_bound(lo);
    if (i == count() || regions()[i].start >= hi) return {};
    // The regions that straddle lo and hi are split; count them first.
    size_t last = lower_bound(hi - 1);
    const Region* r = regions();
    bool split_lo = r[i].start < lo && r[i].prot != prot;
    bool split_hi =
        last < count() && r[last].start < hi && r[last].end > hi && r[last].prot != prot;
    TRY(reserve(size_t(split_lo) + size_t(split_hi)));
    if (split_lo) {
        split(i, lo);
        ++i;
        ++last;
    }
    if (split_hi) split(last, hi);
    Region* w = mutable_regions();
    for (size_t k = i; k < count() && w[k].start < hi; ++k) {
        if (w[k].end > lo) w[k].prot = prot;
    }
    merge_span(i > 0 ? i - 1 : 0, last + 1);
    return {};
}

void VmMap::grow_down(size_t index, VirtAddr start) {
    VERIFY(index < count() && page_aligned(start));
    Region* r = mutable_regions();
    VERIFY(start <= r[index].start);
    VERIFY(index == 0 || r[index - 1].end <= start);
    r[index].start = start;
}

Result<VirtAddr> VmMap::find_gap_top_down(uint64_t length, VirtAddr floor, VirtAddr ceiling) const {
    if (length == 0 || !page_aligned(length) || ceiling <= floor || ceiling - floor < length)
        return Error::kNoMemory;
    const Region* r = regions();
    // Regions are sorted by start and disjoint; occupied_start only lowers
    // a stack's start, so walking down by index still meets them in order of
    // their (occupied) tops.
    size_t k =
        lower_bound(ceiling);  // regions [k, count) start at or above ceiling... or straddle it
    VirtAddr top = ceiling;
    if (k < count() && occupied_start(r[k]) < top) top = occupied_start(r[k]);
    while (true) {
        VirtAddr bottom = floor;
        if (k > 0 && r[k - 1].end > bottom) bottom = r[k - 1].end;
        if (top > bottom && top - bottom >= length) return (top - length) & ~(kPage - 1);
        if (k == 0) return Error::kNoMemory;
        --k;
        VirtAddr next_top = occupied_start(r[k]);
        if (next_top < top) top = next_top;
        if (top <= floor) return Error::kNoMemory;
    }
}

}  // namespace nyanos::mm
