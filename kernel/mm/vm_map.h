// VmMap: a process's map of regions, the "what is meant to be where" half of
// its user memory (the page tables, mm/address_space.h, are the "what is
// there now" half). Each region is a page-aligned range [start, end) with a
// protection (Linux's PROT_* bits), what backs its pages (anonymous memory,
// a file's bytes, the stack, the brk heap) and whether it is shared. The
// fault policy (mm/process_memory.h) reads it; mmap, munmap, mprotect and
// brk edit it.
//
// Structure: one heap block holding a small header and the regions as a
// sorted array, non-overlapping, adjacent compatible regions merged. Why an
// array and not a tree or a list:
//  - the fault path looks an address up: a hit in the region found last
//    costs two compares, a miss a binary search (6 steps for 50 regions, 16
//    for 65,530), over contiguous memory. A linked list walks 25 nodes on
//    average for 50 regions (pointer chases, ~100+ instructions per fault,
//    against a budget of ~1,400 for the whole fault); a balanced tree does
//    as few steps as the array but with a heap object and pointers per
//    region;
//  - fork copies the map: one allocation and one memcpy (a tree needs an
//    allocation per region, ~100 instructions each, against a fork budget of
//    48,000);
//  - a minimal process (text, rodata, data, stack, heap) fits the initial
//    block of 6 regions: one 288-byte heap slot;
//  - inserting or removing shifts the regions above: ~40 bytes each, so a
//    few hundred bytes for typical programs (5-50 regions). The cost grows
//    with the count: near Linux's limit of 65,530 regions (vm.max_map_count,
//    kMaxRegions here; beyond it ENOMEM, as Linux) a shift moves up to 2.6 MB
//    and the block needs that much contiguous memory, which may fail
//    (ENOMEM). Programs that keep tens of thousands of mappings would want a
//    B-tree of such arrays; busybox and musl keep a few dozen.
//  - the free-gap search (find_gap_top_down) scans from the top down: O(n)
//    in the regions above the gap found; the same note applies.
//
// All or nothing: every operation that may need a larger block gets it
// first (reserve); once it has the room nothing can fail, so on failure the
// map is exactly as before. Callers that chain operations (MAP_FIXED: remove
// then insert) reserve for all of them up front.
//
// File regions: the map owns one reference to each region's FileBacking
// (mm/file_backing.h), so whatever splits, merges, copies or drops regions
// here keeps the counts right; no caller touches them.
//
// Portable and host-tested; not synchronised (the owner, ProcessMemory, is
// used by its process's one thread: docs/locking.md).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/file_backing.h"
#include "mm/metadata_allocator.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/pte.h"

namespace nyanos::mm {

using paging::PhysAddr;
using paging::VirtAddr;

// Protection bits: Linux's PROT_READ, PROT_WRITE, PROT_EXEC.
inline constexpr uint8_t kProtNone = 0;
inline constexpr uint8_t kProtRead = 1;
inline constexpr uint8_t kProtWrite = 2;
inline constexpr uint8_t kProtExec = 4;
inline constexpr uint8_t kProtMask = kProtRead | kProtWrite | kProtExec;

// What backs a region's pages.
enum class RegionKind : uint8_t {
    kAnonymous,  // zero-filled on first touch (shared ones are filled at map time)
    kFile,       // a file's bytes (FileBacking); past the file's last page: SIGBUS
    kStack,      // zero-filled; may grow down to Region::offset (its lowest start)
    kHeap,       // the brk heap: zero-filled
};

struct Region {
    static constexpr uint8_t kShared = 1;  // MAP_SHARED: writes are seen by every mapping
    // Never writable, whatever mprotect asks (Linux's VM_MAYWRITE clear: a
    // MAP_SHARED mapping of a description not open for writing).
    static constexpr uint8_t kNoWrite = 2;
    // A segment of the program exec loaded (/proc/<pid>/maps names it after
    // the program file). Such a region merges only with another.
    static constexpr uint8_t kImage = 4;

    VirtAddr start = 0;
    VirtAddr end = 0;
    // kFile only: one counted reference per region, which the VmMap holding
    // the region takes and drops (mm/file_backing.h says when). A Region
    // outside a map (an argument to insert) holds none.
    FileBacking* file = nullptr;
    // kFile: the file offset that `start` maps (page aligned). kStack: the
    // lowest address the region may grow down to. Otherwise 0.
    uint64_t offset = 0;
    uint8_t prot = kProtNone;
    RegionKind kind = RegionKind::kAnonymous;
    uint8_t flags = 0;

    bool shared() const { return flags & kShared; }
    bool may_write() const { return !(flags & kNoWrite); }
    bool readable() const { return prot != kProtNone; }  // x86: write and exec imply read
    bool writable() const { return prot & kProtWrite; }
    bool executable() const { return prot & kProtExec; }
    uint64_t length() const { return end - start; }
    // The file offset of va (kFile).
    uint64_t file_offset(VirtAddr va) const { return offset + (va - start); }
};

class VmMap {
public:
    // Linux's default vm.max_map_count: more regions is ENOMEM.
    static constexpr size_t kMaxRegions = 65530;
    // Regions the first block holds: a 288-byte heap slot.
    static constexpr size_t kInitialCapacity = 6;
    // Kept free below a stack's growth limit by the free-gap search, like
    // Linux's stack_guard_gap (256 pages).
    static constexpr uint64_t kStackGuardGap = 256 * paging::kPageSize;

    // An empty map without storage: lookups find nothing; every insert fails.
    VmMap() = default;
    // An empty map with room for kInitialCapacity regions. kNoMemory.
    static Result<VmMap> try_create(MetadataAllocator& allocator);

    VmMap(VmMap&& other) : m_block(other.m_block) { other.m_block = nullptr; }
    VmMap& operator=(VmMap&& other);
    VmMap(const VmMap&) = delete;
    VmMap& operator=(const VmMap&) = delete;
    ~VmMap();

    // A copy with its own block (fork), holding its own references to the
    // file backings. kNoMemory.
    Result<VmMap> clone() const;

    bool valid() const { return m_block != nullptr; }
    size_t count() const;
    // The regions, sorted by address; valid until the next change.
    const Region* regions() const;
    const Region& operator[](size_t i) const { return regions()[i]; }

    // The region containing va, or nullptr. O(1) when it is the region found
    // last (repeated faults in one region: inline, the fault path's common
    // case), else a binary search.
    const Region* find(VirtAddr va) const {
        if (m_block && m_block->hint < m_block->count) {
            const Region& r = regions_of(m_block)[m_block->hint];
            if (va >= r.start && va < r.end) return &r;
        }
        return find_slow(va);
    }
    // The index of the first region that ends above va (count() if none).
    size_t lower_bound(VirtAddr va) const;
    // Whether any region intersects [lo, hi).
    bool intersects(VirtAddr lo, VirtAddr hi) const;
    // Whether [lo, hi) is covered by regions without a hole.
    bool covers(VirtAddr lo, VirtAddr hi) const;

    // Room for `extra` more regions than now: kNoMemory if the block cannot
    // grow or the count would pass kMaxRegions (the map is unchanged).
    Result<void> reserve(size_t extra);

    // Adds `region` (page aligned, start < end, a range no region touches:
    // kExists otherwise), merged with compatible neighbours. kNoMemory when
    // it needs a slot and none can be had. All or nothing. A new slot takes
    // its own reference to region.file; the caller keeps its own.
    Result<void> insert(const Region& region);
    // Removes [lo, hi) (page aligned) from every region, trimming and
    // splitting them. Splitting one region in two needs a slot: kNoMemory if
    // none can be had (nothing changed).
    Result<void> remove(VirtAddr lo, VirtAddr hi);
    // Sets the protection of [lo, hi) (page aligned; parts that no region
    // covers are skipped), splitting at lo and hi (up to two slots:
    // kNoMemory, nothing changed) and merging what became compatible.
    Result<void> protect(VirtAddr lo, VirtAddr hi, uint8_t prot);
    // Moves the start of region `index` down to `start` (a stack growing);
    // the range below must be free.
    void grow_down(size_t index, VirtAddr start);

    // The highest page-aligned address a such that [a, a + length) lies in
    // [floor, ceiling) and touches no region, nor a stack's growth range and
    // the guard gap below it. kNoMemory if there is none.
    Result<VirtAddr> find_gap_top_down(uint64_t length, VirtAddr floor, VirtAddr ceiling) const;

    // Whether a and b (a below b) could be one region if they touched.
    static bool compatible(const Region& a, const Region& b);

private:
    struct Header {
        MetadataAllocator* allocator;
        uint32_t count;
        uint32_t capacity;
        mutable uint32_t hint;  // index of the region find() returned last
    };
    // The regions follow the header (8-byte aligned): 24 + 6 * 40 bytes fill
    // the heap's 288-byte slot (264 usable).
    static constexpr size_t kHeaderBytes = sizeof(Header);

    explicit VmMap(Header* block) : m_block(block) {}
    static const Region* regions_of(const Header* block) {
        return reinterpret_cast<const Region*>(reinterpret_cast<const uint8_t*>(block) +
                                               kHeaderBytes);
    }
    const Region* find_slow(VirtAddr va) const;
    static Header* allocate_block(MetadataAllocator& allocator, size_t capacity);
    // Drops the regions' file references and frees the block (nullptr: nothing).
    static void destroy_block(Header* block);
    Region* mutable_regions();
    // Inserts `region` at index i (room reserved), shifting the rest up; the
    // new slot takes a reference to its file backing.
    void insert_at(size_t i, const Region& region);
    // Erases regions [i, j), dropping their file backings' references.
    void erase(size_t i, size_t j);
    // Splits the region at index i at va (inside it): two regions, i and i + 1.
    void split(size_t i, VirtAddr va);
    // Merges compatible touching neighbours among the regions [i, j] (indices
    // clamped to the map).
    void merge_span(size_t i, size_t j);

    Header* m_block = nullptr;
};

}  // namespace nyanos::mm
