// Process-context identifiers (PCIDs): tagging TLB entries with the address
// space they belong to, so that a CR3 switch need not flush the TLB.
//
// PcidAllocator is the portable bookkeeping. PCID 0 is the kernel's own and
// the fallback; 1..4095 go to address spaces. The rule that keeps isolation:
// a PCID whose previous owner was destroyed may still have that owner's
// translations cached, so its next owner must flush it before running on it
// (INVPCID single-context, or one CR3 load *without* the no-flush bit). The
// allocator hands out never-used ("clean") PCIDs first and reports
// `must_flush` for a reused one until the caller says it flushed. When all
// 4095 are taken, allocate() returns PCID 0 with `shared` set: such a space
// must flush on every CR3 load (it behaves as if there were no PCIDs).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::mm {

inline constexpr uint16_t kPcidCount = 4096;  // CR3 bits 0..11
inline constexpr uint16_t kKernelPcid = 0;    // the kernel's root and the exhaustion fallback
inline constexpr uint64_t kCr3NoFlush = 1ull << 63;

struct PcidAssignment {
    uint16_t pcid = kKernelPcid;
    bool must_flush = true;  // flush this PCID's TLB entries before first use
    bool shared = true;      // PCID 0 fallback: flush on every load
};

class PcidAllocator {
public:
    constexpr PcidAllocator() {
        m_state[kKernelPcid] = State::kInUse;  // never handed out
        // Lowest first: pop from the end of the stack.
        for (uint16_t p = kPcidCount - 1; p > kKernelPcid; --p) {
            m_state[p] = State::kClean;
            m_clean[m_clean_count++] = p;
        }
    }

    // A PCID for a new address space.
    PcidAssignment allocate();
    // The caller flushed `pcid` (INVPCID or a flushing CR3 load): loads may
    // use the no-flush bit from now on.
    void mark_flushed(uint16_t pcid);
    // The space that owned `pcid` is gone. Its entries may linger in the
    // TLB, so the next owner must flush. Releasing PCID 0 does nothing;
    // releasing a PCID that is not allocated panics (a broken invariant).
    void release(uint16_t pcid);
    // The page tables of the space holding `pcid` changed while it was not
    // live, so the translations cached under it may be out of date: its next
    // load must flush. PCID 0 (always flushed) is ignored.
    void invalidate(uint16_t pcid);
    // Whether `pcid` must be flushed before (or by) its next load.
    bool needs_flush(uint16_t pcid) const;

    // The value to write to CR3 to load `cr3` (a root with its PCID in bits
    // 0..11): with the no-flush bit while the PCID's cached translations can
    // be trusted, without it (the load flushes them, and the PCID is marked
    // flushed) when they may be stale. What the kernel's load_cr3 writes.
    uint64_t prepare_load(uint64_t cr3) {
        auto pcid = uint16_t(cr3 & (kPcidCount - 1));
        if (!needs_flush(pcid)) return cr3 | kCr3NoFlush;
        mark_flushed(pcid);
        return cr3 & ~kCr3NoFlush;
    }

    size_t in_use() const { return m_in_use; }

private:
    enum class State : uint8_t { kClean, kStale, kInUse, kInUseUnflushed };
    State m_state[kPcidCount] = {};
    // Free PCIDs as two stacks: never used (no TLB entries), and released.
    uint16_t m_clean[kPcidCount] = {};
    uint16_t m_stale[kPcidCount] = {};
    size_t m_clean_count = 0;
    size_t m_stale_count = 0;
    size_t m_in_use = 0;
};

// The CR3 value that loads `root` tagged with `pcid`. flush = false sets the
// no-flush bit (the CPU keeps this PCID's cached translations).
constexpr uint64_t cr3_with_pcid(uint64_t root, uint16_t pcid, bool flush) {
    return root | (pcid & (kPcidCount - 1)) | (flush ? 0 : kCr3NoFlush);
}

// Kernel side (pcid.kernel.cpp).
//
// init_pcid() turns CR4.PCIDE on when the CPU has both PCID and INVPCID and
// the command line does not say `pcid=off`, and prints `pcid: on` or
// `pcid: off (why)`. Call it while the kernel's root (PCID 0) is live,
// before any process exists.
void init_pcid();
bool pcid_enabled();
// Turns CR4.PCIDE on for the calling application processor when init_pcid()
// turned it on for the boot CPU, so every CPU reads CR3 the same way. On
// that processor, on the kernel's root (PCID 0), interrupts off. The PCID
// bookkeeping is not per CPU yet: until it is, only the boot CPU may load a
// process's root.
void init_pcid_on_this_cpu();

// PCIDs for address spaces (PCID 0 when PCIDs are off or exhausted), and
// their release when the space is destroyed (it must not be live).
uint16_t acquire_pcid();
void release_pcid(uint16_t pcid);
// The space tagged `pcid` changed while not live (see PcidAllocator::invalidate).
void invalidate_pcid(uint16_t pcid);

// Loads CR3 with `cr3` (a root, its PCID in bits 0..11). With PCIDs on it
// keeps the PCID's cached translations (no-flush bit) unless the allocator
// says they may be stale, in which case this load flushes them.
void load_cr3(uint64_t cr3);

// Drops a kernel-half translation from every PCID. With PCIDs off, invlpg
// is enough (one address space is cached at a time, kernel pages are
// global); with them on, another PCID may still cache the page, or a
// paging-structure entry of a kernel table just freed, so the kernel uses
// INVPCID "all contexts, global entries included". Kernel-half unmaps are
// rare (a kernel stack at process exit).
void invalidate_kernel_page(uint64_t va);

}  // namespace nyanos::mm
