// Kernel stacks with guard pages, carved out of a fixed area of the kernel
// half. The area is cut into slots of kSlotPages (4) pages: a stack is the
// slot's top 1..3 pages (a thread's is 2, proc/thread.h), and the page below
// it stays unmapped, so running off the bottom of a stack faults (a double
// fault, on its own IST stack) instead of silently corrupting the stack
// below it. Small slots keep the page tables small: one PT covers 128
// stacks. (Four pages, not three: a slot must divide 2 MiB.)
//
// Portable: the page table and the frame source are injected, so the host
// tests run it over fake RAM with an allocator that fails the Nth
// allocation. `Frames` provides `Result<PhysAddr> allocate()` (one 4 KiB
// frame) and `void free(PhysAddr)`.
//
// A slot never crosses a 2 MiB boundary, so all its pages share one page
// table: after a stack's first page is mapped, the others cannot need a
// table allocation. When the last stack of a 2 MiB region is freed, the
// region's page table is freed too, so a burst of processes leaves no tables
// behind (the memory figures return exactly to their baseline).
//
// Not synchronised: the kernel VMM lock guards the kernel's instance.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/panic.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/page_table.h"

namespace nyanos::mm {

class KernelStackArea {
public:
    static constexpr size_t kSlotPages = 4;  // 16 KiB of address space per stack
    static constexpr uint64_t kSlotSize = kSlotPages * paging::kPageSize;
    static constexpr size_t kMaxStackPages = kSlotPages - 1;  // at least one guard page
    static constexpr size_t kMaxSlots = 8192;                 // 128 MiB of address space
    static_assert(paging::kLargePageSize % kSlotSize == 0);
    static constexpr size_t kSlotsPerTable = paging::kLargePageSize / kSlotSize;

    // `base` must be kSlotSize aligned, in the kernel half, with `slots`
    // (at most kMaxSlots) slots of room above it.
    constexpr KernelStackArea(paging::VirtAddr base, size_t slots)
        : m_base(base), m_slots(slots < kMaxSlots ? slots : kMaxSlots) {}
    KernelStackArea(const KernelStackArea&) = delete;
    KernelStackArea& operator=(const KernelStackArea&) = delete;

    paging::VirtAddr base() const { return m_base; }
    paging::VirtAddr end() const { return m_base + m_slots * kSlotSize; }
    size_t live_stacks() const { return m_live; }

    // Maps `pages` fresh frames (1..kMaxStackPages) as a writable, non-
    // executable kernel stack (not global: under page-table isolation a
    // global entry would outlive the switch to a user root) and returns its top (the initial RSP,
    // 16-byte aligned; the stack is [top - pages * 4 KiB, top)). The page
    // below the stack is never mapped. kInvalid for a bad page count,
    // kNoMemory when no slot or frame or table is left. All or nothing: on
    // failure every frame taken is returned and nothing stays mapped.
    template <typename Env, typename Frames>
    Result<paging::VirtAddr> allocate(paging::PageTable<Env>& pt, Frames& frames, size_t pages) {
        if (pages == 0 || pages > kMaxStackPages) return Error::kInvalid;
        size_t slot = 0;
        while (slot < m_slots && m_pages[(m_next + slot) % m_slots] != 0) ++slot;
        if (slot == m_slots) return Error::kNoMemory;
        slot = (m_next + slot) % m_slots;

        paging::PhysAddr taken[kMaxStackPages];
        for (size_t i = 0; i < pages; ++i) {
            auto frame = frames.allocate();
            if (!frame.ok()) {
                for (size_t j = 0; j < i; ++j) frames.free(taken[j]);
                return frame.error();
            }
            taken[i] = frame.value();
        }
        paging::VirtAddr top = slot_top(slot);
        paging::VirtAddr bottom = top - pages * paging::kPageSize;
        const paging::PageFlags flags{.writable = true};
        for (size_t i = 0; i < pages; ++i) {
            auto mapped = pt.map(bottom + i * paging::kPageSize, taken[i], flags);
            if (!mapped.ok()) {
                for (size_t j = 0; j < i; ++j)
                    VERIFY(pt.unmap(bottom + j * paging::kPageSize).ok());
                for (size_t j = 0; j < pages; ++j) frames.free(taken[j]);
                return mapped.error();
            }
        }
        m_pages[slot] = uint8_t(pages);
        m_next = (slot + 1) % m_slots;
        ++m_live;
        return top;
    }

    // Unmaps a stack returned by allocate() and frees its frames. `top` must
    // be exactly what allocate() returned and the stack must not be in use
    // (not the current one). A bad top is a kernel bug: panics. With one
    // CPU only; with several, detach() and release() with a TLB shootdown
    // between them.
    template <typename Env, typename Frames>
    void free(paging::PageTable<Env>& pt, Frames& frames, paging::VirtAddr top) {
        paging::PhysAddr detached[kMaxStackPages];
        size_t pages = detach(pt, top, detached);
        release(pt, frames, top, detached, pages);
    }

    // The first half of a free: unmaps the stack (the caller invalidates its
    // own TLB through the page table's environment) and writes its frames to
    // `out` (kMaxStackPages entries); returns how many. The slot stays taken
    // until release(), so its address cannot be handed out while another
    // CPU may still cache the old translation.
    template <typename Env>
    size_t detach(paging::PageTable<Env>& pt, paging::VirtAddr top, paging::PhysAddr* out) {
        size_t slot = slot_of(top);
        size_t pages = m_pages[slot];
        VERIFY(pages != 0 && !m_detached[slot]);  // a double free, or never allocated
        paging::VirtAddr bottom = top - pages * paging::kPageSize;
        for (size_t i = 0; i < pages; ++i) {
            auto gone = pt.unmap(bottom + i * paging::kPageSize);
            VERIFY(gone.ok());
            out[i] = gone.value().phys;
        }
        m_detached[slot] = true;
        return pages;
    }

    // The second half, once no CPU can hold the stack's translation: frees
    // the frames detach() returned and the slot, and the region's page table
    // with its last stack.
    template <typename Env, typename Frames>
    void release(paging::PageTable<Env>& pt, Frames& frames, paging::VirtAddr top,
                 const paging::PhysAddr* detached, size_t pages) {
        size_t slot = slot_of(top);
        VERIFY(m_detached[slot] && m_pages[slot] == pages);
        for (size_t i = 0; i < pages; ++i) frames.free(detached[i]);
        m_pages[slot] = 0;
        m_detached[slot] = false;
        --m_live;
        size_t first_in_region = slot - slot % kSlotsPerTable;
        bool region_empty = true;
        for (size_t i = first_in_region; i < first_in_region + kSlotsPerTable && i < m_slots; ++i)
            region_empty = region_empty && m_pages[i] == 0;
        if (region_empty) pt.free_empty_page_table(slot_top(slot) - 1);
        // Reuse the lowest free slot first: the slots share page tables
        // (kSlotsPerTable per table), so churning through fresh slots would
        // keep adding tables.
        if (slot < m_next) m_next = slot;
    }

    // The pages of the stack whose top is `top`, 0 if none is allocated there.
    size_t pages_of(paging::VirtAddr top) const {
        if (top <= m_base || top > end() || (top - m_base) % kSlotSize) return 0;
        return m_pages[(top - m_base) / kSlotSize - 1];
    }

private:
    paging::VirtAddr slot_top(size_t slot) const { return m_base + (slot + 1) * kSlotSize; }
    size_t slot_of(paging::VirtAddr top) const {
        VERIFY(top > m_base && top <= end() && (top - m_base) % kSlotSize == 0);
        return (top - m_base) / kSlotSize - 1;
    }

    paging::VirtAddr m_base;
    size_t m_slots;
    size_t m_next = 0;  // where the next search starts, so freed slots are reused last
    size_t m_live = 0;
    uint8_t m_pages[kMaxSlots] = {};  // per slot: its stack's page count, 0 when free
    bool m_detached[kMaxSlots] = {};  // per slot: unmapped, waiting for release()
};

}  // namespace nyanos::mm
