// The physical memory manager: owns every 4 KiB frame of RAM the kernel may
// hand out, and knows for each one whether it is free or who (by FrameUse)
// holds it.
//
// Portable: the kernel builds one from the handoff's memory map
// (physical_memory.kernel.cpp), the host tests from a FakeRam arena. The
// bookkeeping is carved out of the managed ranges themselves and reached only
// through the injected direct map (mm/direct_map.h).
//
// Data structures, per frame of the span [span_base, span_end):
//   - a state byte: unmanaged (a hole, or memory never given to us), free,
//     bookkeeping, or allocated-for-<use>; plus an "ever allocated" bit so a
//     bad free can say whether it is a double free or a never-allocated frame;
//   - a free stack of frame indices and, per frame, a 32-bit slot. While the
//     frame is free the slot is its position in that stack, so single-frame
//     allocation and free are O(1) (pop / push) and a contiguous run can take
//     frames out of the middle of the stack in O(1) each (swap with the top).
//     While the frame is allocated the position means nothing, so the same
//     slot holds the frame's reference count: user frames are shared by count
//     (copy-on-write after fork, shared mappings), at no extra memory.
// Contiguous runs are found by scanning the state bytes from a rotating hint.
//
// Reference counts (FrameUse::kUser only): an allocation starts at 1;
// add_reference() adds one per extra holder (an address space that maps the
// frame); free_frame() and free_frames() drop one and return the frame to
// the free stack only when the last one goes. The per-use counters count
// frames, not references, so stats() stays exact however a frame is shared.
// Frames of every other use are never shared: their count stays 1 and a
// free returns them at once.
//
// Synchronised by one IRQ-saving spinlock (m_lock): every CPU allocates and
// frees, in fault handlers too. Reference counts are under the same lock
// rather than atomics: the slot is a free-stack position under the lock
// whenever the frame is free, and the paths that change a count (fork, a
// copy-on-write break, unmap) batch or pair it with an allocation or free
// that takes the lock anyway (docs/isolation.md, "Copy-on-write").
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/direct_map.h"
#include "nyanos/lib/result.h"
#include "sync/spinlock.h"
#include "nyanos/paging/pte.h"

namespace nyanos::mm {

using paging::PhysAddr;

inline constexpr uint64_t kFrameSize = paging::kPageSize;

// Who holds an allocated frame. A frame must be freed with the use it was
// allocated with (checked), so the per-use counters stay exact.
// kDma: memory a device reads and writes on its own (the USB controller's
// rings and contexts), never mapped into user space.
enum class FrameUse : uint8_t { kGeneral, kPageTable, kHeap, kKernelStack, kUser, kDma };
inline constexpr size_t kFrameUseCount = 6;

constexpr const char* frame_use_name(FrameUse use) {
    switch (use) {
        case FrameUse::kGeneral:
            return "general";
        case FrameUse::kPageTable:
            return "page-table";
        case FrameUse::kHeap:
            return "heap";
        case FrameUse::kKernelStack:
            return "kernel-stack";
        case FrameUse::kUser:
            return "user";
        case FrameUse::kDma:
            return "dma";
    }
    return "?";
}

// All counts are in frames. total_frames = free_frames + metadata_frames +
// the sum of the per-use counts.
struct MemoryStats {
    uint64_t total_frames;  // every frame the manager was given (incl. its bookkeeping)
    uint64_t free_frames;
    uint64_t page_table_frames;
    uint64_t heap_frames;
    uint64_t kernel_stack_frames;
    uint64_t user_frames;
    uint64_t general_frames;   // FrameUse::kGeneral
    uint64_t dma_frames;       // FrameUse::kDma
    uint64_t metadata_frames;  // the manager's own bookkeeping
};

// A physical range [base, base + length).
struct PhysRange {
    PhysAddr base;
    uint64_t length;
};

class PhysicalMemory {
public:
    // An empty manager: every allocation fails with kNoMemory. The kernel's
    // global starts like this until init_physical_memory() replaces it.
    constexpr PhysicalMemory() = default;

    // Manages the frames of `usable` (any order, non-overlapping; partial
    // frames at either end are dropped, as is physical frame 0). `span` must
    // cover every range that add_free_range() will ever be given; a zero
    // length span means "exactly the usable ranges". The bookkeeping
    // (9 bytes per frame of the span) is carved from the first usable range
    // large enough, at its low end. Every frame is reached through `map`,
    // which must outlive the manager. Fails with kInvalid if a range lies
    // outside the span or the ranges overlap, kRange if the span is too large
    // to index, kNoMemory if no range can hold the bookkeeping. On failure
    // nothing was written.
    static Result<PhysicalMemory> try_create(const PhysRange* usable, size_t count, PhysRange span,
                                             DirectMap& map);

    // Moving transfers ownership of every frame; the source becomes empty.
    // There is no destructor work: the bookkeeping lives in managed frames.
    PhysicalMemory(PhysicalMemory&& other) { take(other); }
    PhysicalMemory& operator=(PhysicalMemory&& other) {
        if (this != &other) take(other);
        return *this;
    }
    PhysicalMemory(const PhysicalMemory&) = delete;
    PhysicalMemory& operator=(const PhysicalMemory&) = delete;

    // One 4 KiB frame, contents unspecified. kNoMemory when none is free.
    Result<PhysAddr> allocate_frame(FrameUse use);
    // One 4 KiB frame filled with zeros.
    Result<PhysAddr> allocate_zeroed_frame(FrameUse use);
    // `count` physically contiguous frames (contents unspecified); returns the
    // first. kInvalid for count 0, kNoMemory when no free run is long enough.
    Result<PhysAddr> allocate_contiguous(size_t count, FrameUse use);

    // Returns a frame, or for a shared user frame drops one reference (the
    // frame goes back to the free stack with its last reference). Panics,
    // naming the address, if it is not frame aligned, not managed, already
    // free (double free), never allocated, or held with a different use.
    void free_frame(PhysAddr frame, FrameUse use);
    // free_frame for `count` frames (any order, each checked like
    // free_frame; a frame may appear several times, once per reference
    // dropped) under one lock hold: teardown frees thousands, and the lock
    // per frame showed.
    void free_frames(const PhysAddr* frames, size_t count, FrameUse use);
    // Returns a run from allocate_contiguous (or any run of frames allocated
    // with `use`). Checks every frame first, so a bad call panics before
    // anything changes; a run of shared user frames is refused that way too.
    void free_contiguous(PhysAddr first, size_t count, FrameUse use);

    // One more reference to a frame allocated as FrameUse::kUser (another
    // address space maps it). Panics if the frame is not an allocated user
    // frame, or the count would overflow.
    void add_reference(PhysAddr frame);
    // add_reference for `count` frames (a frame may appear several times)
    // under one lock hold: fork shares every page of a process.
    void add_references(const PhysAddr* frames, size_t count);
    // The number of references to an allocated frame: 1 unless it is a
    // shared user frame. Panics if the frame is not allocated. A count of 1
    // seen by a holder stays 1 until that holder shares it again: only a
    // holder can add references.
    uint32_t reference_count(PhysAddr frame) const;

    // Hands more memory to the manager, e.g. boot-reclaimable memory once the
    // loader's data is no longer needed. Partial frames at either end and
    // frame 0 are dropped. Panics if the range leaves the span given at
    // creation or overlaps frames already managed (either would be a kernel
    // bug). Returns the number of frames added.
    size_t add_free_range(PhysAddr base, uint64_t length);

    MemoryStats stats() const;

    // The frame's bytes through the injected direct map (the HHDM in the kernel).
    void* frame_to_virt(PhysAddr frame) const { return m_map->phys_to_virt(frame); }

    // True if `frame` is managed and currently allocated with `use`.
    bool is_allocated(PhysAddr frame, FrameUse use) const;

private:
    // State byte layout: low 4 bits the state, bit 7 "ever allocated".
    enum State : uint8_t {
        kUnmanaged = 0,
        kFree = 1,
        kMetadata = 2,
        kFirstUse = 8,  // kFirstUse + FrameUse: allocated for that use
    };
    static constexpr uint8_t kStateMask = 0x0f;
    static constexpr uint8_t kEverAllocated = 0x80;

    // Moves are for building the kernel's manager at boot, before a second
    // CPU runs: they copy the state without the lock.
    void take(PhysicalMemory& other) NO_THREAD_SAFETY_ANALYSIS;
    uint8_t state_of(uint64_t index) const REQUIRES(m_lock) { return m_state[index] & kStateMask; }
    void set_state(uint64_t index, uint8_t state) REQUIRES(m_lock) {
        m_state[index] = uint8_t(state | (m_state[index] & kEverAllocated));
    }
    void push_free(uint64_t index) REQUIRES(m_lock);
    void remove_free(uint64_t index) REQUIRES(m_lock);  // index must be free and in the stack
    void mark_allocated(uint64_t index, FrameUse use) REQUIRES(m_lock);
    // The per-frame arrays, for loops over many frames to copy into locals:
    // their stores (state bytes, counts) could otherwise alias any member,
    // and the compiler would reload every member once per frame.
    struct FrameArrays {
        static constexpr uint64_t kNotHeld = ~0ull;
        PhysAddr span_base;
        uint64_t span_frames;
        uint8_t* state;
        uint32_t* refs;  // m_stack_pos: reference counts of allocated frames
        // The index of `frame` if it is a managed frame allocated with `use`,
        // else kNotHeld. A few instructions: the offset from the span's base
        // tests alignment (its low bits) and range (a frame below the base
        // wraps to a huge index), one byte compare the state and use together.
        uint64_t held_index(PhysAddr frame, FrameUse use) const {
            uint64_t offset = frame - span_base;
            uint64_t index = offset / kFrameSize;
            if ((offset & (kFrameSize - 1)) || index >= span_frames ||
                (state[index] & kStateMask) != kFirstUse + uint8_t(use))
                return kNotHeld;
            return index;
        }
    };
    FrameArrays arrays() const REQUIRES(m_lock) {
        return {m_span_base, m_span_frames, m_state, m_stack_pos};
    }
    // Panics unless `frame` is a managed frame allocated with `use`; returns its index.
    uint64_t check_freeable(PhysAddr frame, FrameUse use, const char* who) const REQUIRES(m_lock);
    // check_freeable's verdict on a frame that failed it: panics, naming the fault.
    [[noreturn]] void refuse_free(PhysAddr frame, FrameUse use, const char* who) const
        REQUIRES(m_lock);
    void release(uint64_t index, FrameUse use) REQUIRES(m_lock);
    // Drops one reference of an allocated frame (checked by check_freeable)
    // and releases it with the last.
    void drop_reference(uint64_t index, FrameUse use) REQUIRES(m_lock);
    // Why `frame` cannot get another reference (not an allocated user frame,
    // or its count is full): panics.
    [[noreturn]] void refuse_share(PhysAddr frame, const char* who) const REQUIRES(m_lock);

    // Every CPU allocates and frees frames, in interrupt handlers too (a
    // user fault maps a page): the state below is under this lock, a leaf
    // in the lock order, held for O(1) work (a contiguous search excepted).
    mutable sync::IrqSpinLock m_lock;
    DirectMap* m_map = nullptr;  // set whenever there is a frame to reach; fixed after
    PhysAddr m_span_base = 0;    // fixed after creation
    uint64_t m_span_frames = 0;  // fixed after creation
    uint8_t* m_state GUARDED_BY(m_lock) = nullptr;        // m_span_frames bytes
    uint32_t* m_free_stack GUARDED_BY(m_lock) = nullptr;  // m_free_count entries in use
    // Per frame: its index in m_free_stack while free, its reference count
    // while allocated (see the top of this file).
    uint32_t* m_stack_pos GUARDED_BY(m_lock) = nullptr;
    uint64_t m_free_count GUARDED_BY(m_lock) = 0;
    uint64_t m_total GUARDED_BY(m_lock) = 0;
    uint64_t m_metadata GUARDED_BY(m_lock) = 0;
    uint64_t m_used[kFrameUseCount] GUARDED_BY(m_lock) = {};
    uint64_t m_search_hint GUARDED_BY(m_lock) = 0;  // where the next contiguous search starts
};

// The kernel's manager (physical_memory.kernel.cpp). Empty until
// init_physical_memory().
PhysicalMemory& physical_memory();

// Builds the global manager from boot_info(): the usable regions, minus the
// first MiB (left alone for firmware leftovers and the AP start-up code: mm/low_memory.h).
// Panics if the memory map gives nothing usable.
void init_physical_memory();

// Hands the boot-reclaimable regions to the manager. Call exactly once, when
// no loader data is needed any more: the handoff is copied (it is, by
// accept_boot_info) AND the loader's identity-mapped tables are no longer in
// the live page tables (the VMM calls this after it drops that map).
void reclaim_boot_memory();

}  // namespace nyanos::mm
