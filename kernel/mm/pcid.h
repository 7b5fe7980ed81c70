// Process-context identifiers (PCIDs): tagging TLB entries with the address
// space they belong to, so that a CR3 switch need not flush the TLB.
//
// PcidAllocator is the portable bookkeeping. PCID 0 is the kernel's own and
// the fallback; 1..4095 go to address spaces. The rule that keeps isolation:
// a CPU may load a PCID without flushing it only while that CPU's cached
// translations for it are known to be current. Each CPU has its own TLB, so
// this is tracked per (CPU, PCID): a PCID whose previous owner was destroyed,
// or whose tables changed, may still hold out-of-date translations on every
// CPU that ever ran it, and each of those CPUs must flush it (INVPCID
// single-context, or one CR3 load *without* the no-flush bit) before trusting
// it again; one CPU's flush says nothing about another's TLB. Allocation is
// global: one owner per PCID. The allocator hands out never-used ("clean")
// PCIDs first, whose translations no CPU has cached. When all 4095 are taken,
// allocate() returns PCID 0 with `shared` set: such a space must flush on
// every CR3 load (it behaves as if there were no PCIDs).
//
// PCID pairs (page-table isolation, docs/kpti.md): with isolation on, each
// space runs on two roots, the kernel root and the user root. In pair mode
// (use_pairs(), before the first allocation) the allocator hands out only
// PCIDs 1..2047 for kernel roots; the user root of the same space uses that
// PCID with bit 11 set (user_pcid_of; Linux's scheme), so 2048..4095 are
// never handed out by themselves and the pair has one owner and one trust
// set. "CPU c trusts p" then means that c's cached translations under both
// p and p|0x800 are current: whoever flushes on c before mark_flushed (or
// the load prepare_load told to flush) flushes both, the user PCID with
// INVPCID single-context (user_pcid_to_flush says when). The entry and exit
// paths then switch between the two roots with the no-flush bit
// (entry_cr3_of), since every event that could make either PCID stale on a
// CPU already flushes both there or clears the trust.
//
// What "live" means for the callers' shootdown (TLB invalidation by IPI on
// other CPUs, outside this file): a CPU has a space live from before it calls
// prepare_load() for it until after it has loaded another root. The allocator
// covers the CPUs on which a PCID is not live when its tables change (their
// next load flushes); the CPUs on which it is live must be reached by a
// shootdown, whose handler invalidates and then calls mark_flushed().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sync/spinlock.h"
#include "sync/thread_annotations.h"
#ifndef NYANOS_HOST
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/io.h"
#endif

namespace nyanos::mm {

inline constexpr uint16_t kPcidCount = 4096;  // CR3 bits 0..11
inline constexpr uint16_t kKernelPcid = 0;    // the kernel's root and the exhaustion fallback
inline constexpr uint64_t kCr3NoFlush = 1ull << 63;
// Pair mode: a kernel root's PCID is below kPairPcidLimit; its user root's
// is the same with kUserPcidBit set.
inline constexpr uint16_t kUserPcidBit = 0x800;
inline constexpr uint16_t kPairPcidLimit = kUserPcidBit;
// CPU indexes (arch::this_cpu_index()) the allocator tracks: 0..63. The
// per-PCID set of CPUs is one 64-bit word, so this is the most it can track;
// the kernel's own CPU limit must not exceed it.
inline constexpr uint32_t kPcidMaxCpus = 64;

struct PcidAssignment {
    uint16_t pcid = kKernelPcid;
    bool must_flush = true;  // reused: every CPU flushes it before its first use there
    bool shared = true;      // PCID 0 fallback: flush on every load
};

// Thread-safe: every operation takes the allocator's own lock, an IRQ-saving
// spinlock that is a leaf (nothing called with it held takes a lock, short
// of a panic; docs/locking.md). IRQ-saving because mark_flushed() is for the
// TLB shootdown's interrupt handler. The lock lives here, not in the
// kernel's wrapper, because it guards this class's invariants (the free
// stacks, the counts, the per-CPU trust) as one unit: `make thread-safety`
// then checks every access in pcid.cpp, and the host tests run the same
// locked code from several threads. Uncontended, it costs the host model
// nothing that matters.
//
// Every `cpu` argument is a CPU index below kPcidMaxCpus (a larger one is a
// broken invariant and panics). A CPU index must start with no translations
// cached under PCIDs 1..4095, which holds for a CPU that turns CR4.PCIDE on
// after reset (entries made with PCIDE off are tagged PCID 0).
class PcidAllocator {
public:
    constexpr PcidAllocator() {
        m_state[kKernelPcid] = State::kInUse;  // never handed out
        m_trusted_on[kKernelPcid] = 0;         // never trusted: flushed on every load
        // Lowest first: pop from the end of the stack.
        for (uint16_t p = kPcidCount - 1; p > kKernelPcid; --p) {
            m_state[p] = State::kClean;
            m_trusted_on[p] = kAllCpus;  // never loaded, so nothing cached anywhere
            m_clean[m_clean_count++] = p;
        }
    }
    PcidAllocator(const PcidAllocator&) = delete;
    PcidAllocator& operator=(const PcidAllocator&) = delete;

    // Pair mode (see the top of the file): from now on allocate() hands out
    // PCIDs below kPairPcidLimit only (PCID 0 once they are all taken), and
    // the trust of each covers its user PCID too. Once, before the first
    // allocate(); a later call is a broken invariant and panics.
    void use_pairs() EXCLUDES(m_lock);
    bool pairs() const EXCLUDES(m_lock);

    // A PCID for a new address space. A clean one is trusted on every CPU;
    // a reused one (must_flush) is trusted on none until each flushes it.
    PcidAssignment allocate() EXCLUDES(m_lock);

    // The space that owned `pcid` is gone and is live on no CPU. Its
    // entries may linger in any CPU's TLB, so every CPU must flush before
    // the next owner runs there. Releasing PCID 0 does nothing; releasing a
    // PCID that is not allocated panics (a broken invariant).
    void release(uint16_t pcid) EXCLUDES(m_lock);

    // The page tables of the space holding `pcid` changed (the caller
    // changed them first, then calls this): every CPU must flush at its next
    // load, the caller's own included. For a change made while the space is
    // not live on the calling CPU. CPUs on which it is live need a shootdown
    // as well. PCID 0 (always flushed) is ignored; a PCID not in use panics.
    void invalidate(uint16_t pcid) EXCLUDES(m_lock);

    // As invalidate(), for a change made while the space is live on `cpu`,
    // the calling CPU, which has already invalidated the changed addresses in
    // its own TLB (invlpg) and does not switch CPU in between: every other
    // CPU must flush at its next load; `cpu`'s own trust is left as it was
    // (never raised). Other CPUs on which it is live need a shootdown.
    void invalidate_other_cpus(uint32_t cpu, uint16_t pcid) EXCLUDES(m_lock);

    // CPU `cpu` has made its cached translations for `pcid` current (INVPCID,
    // a flushing CR3 load, or the invlpgs of a shootdown): its loads may use
    // the no-flush bit from now on. A change to the tables between that flush
    // and this call would be wrongly marked flushed, so the caller ensures
    // there was none, or that `pcid` was live on `cpu` throughout (such a
    // change then brings its own shootdown). PCID 0 is ignored (never
    // trusted); a PCID not in use panics.
    void mark_flushed(uint32_t cpu, uint16_t pcid) EXCLUDES(m_lock);

    // Whether CPU `cpu` must flush `pcid` before (or by) its next load of it.
    // Always true for PCID 0 and for a PCID not in use.
    bool needs_flush(uint32_t cpu, uint16_t pcid) const EXCLUDES(m_lock);

    // The value CPU `cpu` writes to CR3 to load `cr3` (a root with its PCID
    // in bits 0..11, a PCID in use): with the no-flush bit while `cpu`'s
    // cached translations for that PCID can be trusted; without it when they
    // may be stale, in which case the load flushes them and `cpu` is marked
    // flushed for it. What the kernel's load_cr3 writes; the caller counts
    // as having the space live from before this call (see the top of file).
    // In pair mode a flushing value (user_pcid_to_flush says) also obliges
    // the caller to flush the user PCID of the pair on `cpu` before it
    // next runs in user mode on this space.
    uint64_t prepare_load(uint32_t cpu, uint64_t cr3) EXCLUDES(m_lock);

    // After prepare_load gave `loaded`: the user PCID the caller must flush
    // on its CPU too (INVPCID single-context), or 0 for none: nonzero only
    // in pair mode, for a flushing load of a PCID other than 0 (PCID 0's
    // user root is flushed by every load of it anyway).
    uint16_t user_pcid_to_flush(uint64_t loaded) const EXCLUDES(m_lock);

    size_t in_use() const EXCLUDES(m_lock);

private:
    static constexpr uint64_t kAllCpus = ~0ull;
    static_assert(kPcidMaxCpus == 64, "m_trusted_on holds one bit per CPU in a uint64_t");

    enum class State : uint8_t {
        kClean,  // free, never allocated: no CPU has translations for it
        kStale,  // free, released: CPUs may hold its last owner's translations
        kInUse,  // owned by a space (PCID 0: the kernel's, never handed out)
    };

    static uint64_t cpu_bit(uint32_t cpu);
    void verify_in_use_locked(uint16_t pcid) const REQUIRES(m_lock);

    mutable sync::IrqSpinLock m_lock;
    State m_state[kPcidCount] GUARDED_BY(m_lock) = {};
    // Per PCID, the CPUs whose cached translations for it (if any) are
    // current: bit c set means CPU c may load it without flushing.
    uint64_t m_trusted_on[kPcidCount] GUARDED_BY(m_lock) = {};
    // Free PCIDs as two stacks: never used (no TLB entries), and released.
    uint16_t m_clean[kPcidCount] GUARDED_BY(m_lock) = {};
    uint16_t m_stale[kPcidCount] GUARDED_BY(m_lock) = {};
    size_t m_clean_count GUARDED_BY(m_lock) = 0;
    size_t m_stale_count GUARDED_BY(m_lock) = 0;
    size_t m_in_use GUARDED_BY(m_lock) = 0;
    // Pair mode: allocate() hands out PCIDs below this only.
    uint16_t m_limit GUARDED_BY(m_lock) = kPcidCount;
    bool m_allocated_once GUARDED_BY(m_lock) = false;
};

// The CR3 value that loads `root` tagged with `pcid`. flush = false sets the
// no-flush bit (the CPU keeps this PCID's cached translations).
constexpr uint64_t cr3_with_pcid(uint64_t root, uint16_t pcid, bool flush) {
    return root | (pcid & (kPcidCount - 1)) | (flush ? 0 : kCr3NoFlush);
}

// The user root's PCID for a space whose kernel root has `pcid` (pair
// mode); PCID 0, the shared fallback, pairs with itself.
constexpr uint16_t user_pcid_of(uint16_t pcid) {
    return pcid == kKernelPcid ? kKernelPcid : uint16_t(pcid | kUserPcidBit);
}

// What the entry and exit paths of page-table isolation write to CR3 for a
// root word `cr3` (a root and its PCID): with PCID pairs on, the no-flush
// bit, except for PCID 0 (the kernel's own and the exhaustion fallback,
// flushed on every load); without them, `cr3` as it is (the bit would be a
// #GP with CR4.PCIDE off). Zero stays zero (no user root).
constexpr uint64_t entry_cr3_of(uint64_t cr3, bool pairs) {
    return pairs && (cr3 & (kPcidCount - 1)) != kKernelPcid ? cr3 | kCr3NoFlush : cr3;
}

// Kernel side (pcid.kernel.cpp).
//
// init_pcid() turns CR4.PCIDE on when the CPU has both PCID and INVPCID and
// the command line does not say `pcid=off`, and prints `pcid: on` or
// `pcid: off (why)`. Call it while the kernel's root (PCID 0) is live,
// before any process exists.
void init_pcid();
// For every CPU started after init_pcid() (an AP), before it loads any
// process root: turns CR4.PCIDE on there too when init_pcid() did on the
// boot CPU (with it off, load_cr3's PCID bits would be cache-control bits
// and its no-flush bit a #GP). Call it with the kernel's root live and
// interrupts off. A CPU fresh from INIT caches nothing under PCIDs
// 1..4095 (entries made with PCIDE off are PCID 0's), as PcidAllocator
// assumes of every CPU index. Panics if this CPU lacks PCID or INVPCID while
// the boot CPU has them.
void init_pcid_this_cpu();
bool pcid_enabled();
// Turns CR4.PCIDE on for the calling application processor when init_pcid()
// turned it on for the boot CPU, so every CPU reads CR3 the same way. On
// that processor, on the kernel's root (PCID 0), interrupts off. The PCID
// bookkeeping is not per CPU yet: until it is, only the boot CPU may load a
// process's root.
void init_pcid_on_this_cpu();

// PCIDs for address spaces (PCID 0 when PCIDs are off or exhausted), and
// their release when the space is destroyed (it must be live on no CPU).
uint16_t acquire_pcid();
void release_pcid(uint16_t pcid);
// The space tagged `pcid` changed while not live on this CPU: every CPU
// flushes it at its next load (PcidAllocator::invalidate).
void invalidate_pcid(uint16_t pcid);
// The space tagged `pcid` changed while live on this CPU, which has already
// invlpg'd the changed addresses: every other CPU flushes it at its next
// load (PcidAllocator::invalidate_other_cpus). Interrupts may be on, but the
// caller must not switch CPU between its invlpg and this call.
void invalidate_pcid_on_other_cpus(uint16_t pcid);
// With PCID pairs on: flushes, on this CPU, the user PCID paired with
// `pcid` (a kernel root's), as a shootdown handler must after its CR3
// reload flushed `pcid` itself and before mark_pcid_flushed(). Does nothing
// without pairs or for PCID 0.
void flush_user_pcid_here(uint16_t pcid);
// Drops one user-half page of the space live on this CPU (on its kernel
// root) from this CPU's TLB: invlpg, and with PCID pairs on the same page
// under the paired user PCID (INVPCID individual address).
void invalidate_user_page(uint64_t va);
// Drops every translation of every PCID, global ones included, on this CPU
// (INVPCID all contexts) when PCIDs are on; nothing otherwise. For a full
// kernel-half flush, which a CR3 reload does only for the live PCID.
void flush_every_pcid_here();
// This CPU has made its cached translations for `pcid` current (the
// shootdown handler, after its invalidations, with the space live here):
// PcidAllocator::mark_flushed for this CPU.
void mark_pcid_flushed(uint16_t pcid);

// Loads CR3 with `cr3` (a root, its PCID in bits 0..11). With PCIDs on it
// keeps the PCID's cached translations (no-flush bit) unless the allocator
// says this CPU's may be stale, in which case this load flushes them.
// Inline, as every switch between processes loads one: with PCIDs off it
// is a store and the load itself.
void load_cr3_tagged(uint64_t cr3);
#ifndef NYANOS_HOST
namespace detail {
// Written once by init_pcid() on the boot CPU before any other CPU runs or
// any process exists; read-only afterwards.
extern bool g_pcid_enabled;
// The root each CPU last loaded through load_cr3 (0: none yet; a CPU starts
// on the kernel's). Written only by its own CPU.
extern uint64_t g_loaded_roots[kPcidMaxCpus];
inline constexpr uint64_t kRootMask = 0x000ffffffffff000ull;
}  // namespace detail
// load_cr3 for a caller that knows PCIDs are off (the switch, which has
// tested arch::g_switch_extras).
inline void load_cr3_untagged(uint64_t cr3) {
    // Published before the load: from here until this CPU loads another
    // root, its tables may be in use here. Without PCIDs a root carries no
    // PCID or flag bits (every space has PCID 0 then): it is stored as it is.
    __atomic_store_n(&detail::g_loaded_roots[arch::this_cpu_slot()], cr3, __ATOMIC_RELEASE);
    arch::write_cr3(cr3);
}
inline void load_cr3(uint64_t cr3) {
    if (detail::g_pcid_enabled) return load_cr3_tagged(cr3);
    load_cr3_untagged(cr3);
}
#endif

// Whether any CPU has `root` loaded (through load_cr3, or live here): a
// space's tables are freed only when none has.
bool root_live_on_any_cpu(uint64_t root);

// The CPUs other than this one that have `root` loaded now (a bit per CPU
// index): the ones a change to its user half must reach by a shootdown.
// The caller has changed the entries before it asks (a full fence orders
// the change before the reads), so a CPU that loads the root after this
// looks will walk the new entries.
uint64_t cpus_with_root_live_elsewhere(uint64_t root);

// Drops a kernel-half translation from every PCID in this CPU's TLB. With
// PCIDs off, invlpg is enough (one address space is cached at a time, kernel
// pages are global); with them on, another PCID may still cache the page, or
// a paging-structure entry of a kernel table just freed, so the kernel uses
// INVPCID "all contexts, global entries included". Both act on the local
// CPU only: other CPUs need a shootdown. Kernel-half unmaps are rare (a
// kernel stack at process exit).
void invalidate_kernel_page(uint64_t va);

}  // namespace nyanos::mm
