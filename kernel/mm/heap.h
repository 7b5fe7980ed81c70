// The kernel heap: small allocations from per-size-class slabs (one frame
// each), large ones as contiguous frame runs, both taken from a
// PhysicalMemory and reached through its direct map (the HHDM in the kernel).
//
// Layout. A slab is one frame: a 64-byte SlabHeader, then equal slots. A slot
// is a 16-byte ChunkHeader, the payload (16-byte aligned), and a red zone that
// fills the rest of the slot (at least 8 bytes). A large allocation is a run
// of frames starting with a 32-byte LargeHeader, the payload, and a red zone
// up to the end of the run. So a payload whose offset in its frame is 32 is
// large; small payloads start at offset 80 or more.
//
// Checks, all ending in a panic that names the address:
//   - kfree of a pointer the heap never returned (wrong offset, bad magic);
//   - double free (the chunk is marked free; for a large run whose frames
//     went back, the frame allocator itself catches the second free);
//   - a header canary or red-zone byte overwritten (buffer overflow);
//   - a freed small chunk written to after kfree (poison checked on reuse).
// Every returned address is at or above `min_address` (the HHDM base in the
// kernel, so a heap pointer means the same memory under every CR3), verified
// on each allocation.
//
// Not synchronised: one CPU, and never called from interrupt handlers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/physical_memory.h"

namespace nyanos::mm {

struct HeapStats {
    uint64_t live_allocations;  // kmalloc'd and not yet freed
    uint64_t live_bytes;        // their requested sizes
    uint64_t slab_frames;       // frames held by slabs (including cached empty ones)
    uint64_t large_frames;      // frames held by large allocations
};

class Heap {
public:
    // Size classes (slot sizes in bytes, header included). They divide the
    // 4032 bytes after the slab header exactly, so no slab space is wasted.
    static constexpr uint32_t kSlotSizes[] = {32,  48,  64,  96,   144,  192,
                                              288, 448, 672, 1008, 1344, 2016};
    static constexpr size_t kClassCount = sizeof(kSlotSizes) / sizeof(kSlotSizes[0]);
    static constexpr size_t kAlignment = 16;
    // Largest request served from a slab; larger ones get their own frames.
    static constexpr size_t kMaxSmallSize = 2016 - 16 - 8;
    // Requests above this fail outright (no overflow in the size arithmetic).
    static constexpr size_t kMaxSize = size_t(1) << 40;

    // `frames` must outlive the heap. Every returned pointer must be at or
    // above `min_address` (checked with VERIFY).
    Heap(PhysicalMemory& frames, uintptr_t min_address)
        : m_frames(frames), m_min_address(min_address) {}
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    // `size` bytes, 16-byte aligned, contents unspecified; nullptr when out of
    // memory or size > kMaxSize. Size 0 gets a unique minimal allocation.
    void* allocate(size_t size);
    // Returns an allocation; nullptr is ignored. Panics on a pointer the heap
    // does not own, a double free, or a corrupted canary or red zone.
    void free(void* p);
    // The requested size of a live allocation (panics like free() on a bad pointer).
    size_t allocation_size(void* p);

    // Gives cached empty slabs back to the frame allocator. Each size class
    // keeps at most one empty slab, so that alternating allocate/free of one
    // object does not churn frames; a class whose objects once filled more
    // than one slab keeps that empty slab after they are all freed, until
    // trim(). The kernel trims before every meminfo reading, so that a burst
    // of processes leaves no frame behind in the count.
    void trim();

    HeapStats stats() const {
        sync::Guard guard(m_lock);
        return m_stats;
    }

private:
    struct SlabHeader;
    struct ChunkHeader;
    struct LargeHeader;

    static int class_for(size_t size);
    uintptr_t checked(uintptr_t address) const;
    SlabHeader* new_slab(int cls) REQUIRES(m_lock);
    void release_slab(SlabHeader* slab) REQUIRES(m_lock);
    void unlink_slab(SlabHeader* slab) REQUIRES(m_lock);
    void link_slab(SlabHeader* slab) REQUIRES(m_lock);
    void* allocate_small(size_t size) REQUIRES(m_lock);
    void* allocate_large(size_t size) REQUIRES(m_lock);
    // The header behind p, after validating it (panics otherwise).
    ChunkHeader* small_chunk(void* p, SlabHeader*& slab, const char* who) REQUIRES(m_lock);
    LargeHeader* large_chunk(void* p, const char* who) REQUIRES(m_lock);

    // Every CPU allocates and frees: the slab lists and counters are under
    // this lock. In the lock order it comes before the frame allocator's
    // (a new slab takes a frame with it held).
    mutable sync::IrqSpinLock m_lock;
    PhysicalMemory& m_frames;
    uintptr_t m_min_address;
    // Per class, a doubly linked list of slabs with at least one free slot.
    SlabHeader* m_partial[kClassCount] GUARDED_BY(m_lock) = {};
    uint32_t m_empty_slabs[kClassCount] GUARDED_BY(m_lock) = {};
    HeapStats m_stats GUARDED_BY(m_lock){};
};

// The kernel heap's counters (heap.kernel.cpp).
HeapStats kernel_heap_stats();
// Gives the kernel heap's cached empty slabs back to the frame allocator
// (meminfo does, before it counts).
void kernel_heap_trim();

}  // namespace nyanos::mm

// The kernel heap (heap.kernel.cpp), over physical_memory(): nullptr on
// failure, 16-byte aligned, every address >= the HHDM base.
void* kmalloc(size_t size);
// nullptr is ignored; panics on double free or a corrupted canary.
void kfree(void* p);
