// AddressSpace: one process's page tables and user frames, owned RAII.
//
// Lifecycle: try_create() allocates a PML4 and copies entries 256..511 (the
// kernel half, pre-populated at boot so they never change) from the kernel's
// root; map_anonymous() adds user pages backed by fresh zeroed frames; the
// destructor drops its reference to every user leaf frame it owns (the
// frame is freed with its last reference: frames are shared by count after
// fork, see share_range_into), then frees every table below PML4 entries
// 0..255, then the PML4 — never the kernel half. It works through the direct
// map whichever root is live, and refuses (VERIFY) to destroy the live one.
//
// It is mechanism only: which pages should exist, with which permissions,
// and what a fault means is the VM layer's business (mm/process_memory.h,
// over the region map mm/vm_map.h).
//
// Portable: everything it needs from its surroundings comes through a
// MemoryContext (the kernel's is the PMM + HHDM + invlpg; the host tests'
// is a fake RAM arena with an allocator that fails the Nth allocation).
// It is bound at run time, like the direct map it extends, because an
// AddressSpace is one type wherever it goes (mm/direct_map.h says when the
// compile-time Env is used instead).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/direct_map.h"
#include "mm/mapped_extents.h"
#include "mm/metadata_allocator.h"
#include "mm/pcid.h"
#include "mm/physical_memory.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/page_table.h"

namespace nyanos::mm {

using paging::PageFlags;
using paging::VirtAddr;

// User addresses are the lower canonical half.
inline constexpr VirtAddr kUserSpaceEnd = 0x0000800000000000ull;
// The last user page is never mapped: code there could run `syscall` as its
// last instruction, and SYSRET to the non-canonical address after it would
// fault in ring 0 (CVE-2012-0217). Keeping it empty makes every return RIP
// canonical.
inline constexpr VirtAddr kUserMappableEnd = kUserSpaceEnd - paging::kPageSize;

// The direct map (phys_to_virt, from DirectMap) and the rest of what an
// AddressSpace needs.
class MemoryContext : public DirectMap, public MetadataAllocator {
public:
    // A zeroed 4 KiB frame, counted under `use`.
    virtual Result<PhysAddr> allocate_zeroed_frame(FrameUse use) = 0;
    // A 4 KiB frame whose contents do not matter (the caller overwrites all
    // of it: a copy-on-write copy). The default zeroes it anyway.
    virtual Result<PhysAddr> allocate_frame(FrameUse use) { return allocate_zeroed_frame(use); }
    // Gives a frame back; for a user frame, drops one reference (the frame
    // is free once its last reference is dropped: mm/physical_memory.h).
    virtual void free_frame(PhysAddr frame, FrameUse use) = 0;
    // Several at once (teardown); the default frees them one by one.
    virtual void free_frames(const PhysAddr* frames, size_t count, FrameUse use) {
        for (size_t i = 0; i < count; ++i) free_frame(frames[i], use);
    }
    // One more reference to each of `count` allocated user frames (a frame
    // may be listed more than once), and the number of references to one.
    virtual void add_references(const PhysAddr* frames, size_t count) = 0;
    virtual uint32_t reference_count(PhysAddr frame) = 0;
    // Drops a stale TLB entry of the live address space.
    virtual void invalidate(VirtAddr va) = 0;
    // Drops every cached translation of the user half of the space with
    // this root and PCID, on every CPU that may hold one, after a batch of
    // entries was changed without invalidate() per page (fork making a
    // parent's writable pages read-only). The kernel's: a CR3 reload when
    // the space is live on this CPU, and the PCID marked stale for every
    // other CPU's next load. A space live on another CPU at that moment (a
    // second thread of the process, once there are threads) needs a TLB
    // shootdown there too: that is this hook's job then.
    virtual void flush_user_tlb(PhysAddr root, uint16_t pcid) = 0;
    // Drops the user-half translations of the space with this root on
    // every other CPU that has it loaded now (threads of one process run
    // on several CPUs), returning once they have. AddressSpace calls it
    // after it changed or removed entries and before a frame they named is
    // freed. The default has no other CPU.
    virtual void shootdown_user(PhysAddr root) { (void)root; }
    // Kernel-heap memory for VM bookkeeping (the region map, mm/vm_map.h):
    // `bytes` bytes, 16-byte aligned, or nullptr. The defaults are the
    // kernel heap (non-throwing new); the host tests count and fail them.
    void* allocate_metadata(size_t bytes) override;
    void free_metadata(void* block) override;
    // The kernel's PML4, whose entries 256..511 every space shares.
    virtual PhysAddr kernel_root() const = 0;
    // With page-table isolation on, the PML4 whose kernel half every
    // space's user root copies (only what the entry and exit paths touch,
    // arch/x86_64/kpti.h); 0 while it is off: spaces then have one root.
    virtual PhysAddr user_root_template() const { return 0; }
    // The root the CPU is using now.
    virtual PhysAddr live_root() const = 0;
    // Whether any CPU has `root` loaded (this one included). A space's
    // tables are freed only when none has: a CPU holding a root in CR3 may
    // walk its tables at any time, speculatively too. The default knows
    // only this CPU.
    virtual bool live_on_any_cpu(PhysAddr root) const { return live_root() == root; }
    // Process-context identifiers (kernel/mm/pcid.h): a PCID for a new
    // space (0 when the context has none), its release once the space is
    // destroyed, and the notices that a space changed: while not live on
    // this CPU (every CPU flushes its PCID before running it again), or
    // while live here after invalidate() (every other CPU does).
    virtual uint16_t acquire_pcid() { return 0; }
    virtual void release_pcid(uint16_t) {}
    virtual void invalidate_pcid(uint16_t) {}
    virtual void invalidate_pcid_on_other_cpus(uint16_t) {}

protected:
    ~MemoryContext() = default;
};

class AddressSpace {
public:
    // An empty space that owns nothing (the idle task's); root() is 0.
    AddressSpace() = default;

    // A new space with an empty user half and the kernel half shared, and,
    // when the context has a user_root_template(), a second PML4 (the user
    // root) with the same user half and the template's kernel half.
    // kNoMemory if a PML4 cannot be allocated (nothing is leaked).
    static Result<AddressSpace> try_create(MemoryContext& context);

    AddressSpace(AddressSpace&& other);
    AddressSpace& operator=(AddressSpace&& other);
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;
    ~AddressSpace();

    PhysAddr root() const { return m_cr3 & ~kPcidMask; }
    // The root user mode runs on under page-table isolation (0 without):
    // its user half (PML4 entries 0..255) is always root()'s, since every
    // user PML4 entry this space creates is written into both (the tables
    // below are shared); its kernel half is the context's template.
    PhysAddr user_root() const { return PhysAddr(m_user_root_frame) << 12; }
    // The PCID its translations are tagged with (0: none), and the value to
    // load into CR3 to run on this space.
    uint16_t pcid() const { return uint16_t(m_cr3 & kPcidMask); }
    uint64_t cr3() const { return m_cr3; }
    // The value the exit to user mode loads (0 without isolation): the
    // user root with the user PCID of the pair (pcid.h; PCID 0 pairs with
    // itself, so without PCIDs it is the user root alone).
    uint64_t user_cr3() const {
        return m_user_root_frame ? (user_root() | user_pcid_of(pcid())) : 0;
    }

    // Maps `pages` fresh zeroed frames at va (page aligned, user half) with
    // `flags` (user is forced on). All or nothing: on failure every frame it
    // took is returned and the translations are as before; page tables it
    // created stay, empty, owned and counted by the space until destruction.
    Result<void> map_anonymous(VirtAddr va, size_t pages, PageFlags flags);

    // Maps the `pages` frames from `phys` (page aligned, physically
    // contiguous) at va without taking ownership of them: the frames belong
    // to something that outlives every address space (the ramdisk's file
    // pages), so several processes can map the same read-only segment. The
    // mapping must be read-only (kInvalid if flags.writable); the space never
    // frees these frames and copy_to/fill_zero refuse them. All or nothing,
    // like map_anonymous.
    Result<void> map_borrowed(VirtAddr va, PhysAddr phys, size_t pages, PageFlags flags);

    // Unmaps the pages of [va, va + pages * 4 KiB) that are mapped and
    // drops its reference to each frame it owns (borrowed ones are only
    // unmapped); holes are skipped without a walk per page. Tables stay
    // until destruction. A range outside the user half is ignored.
    void unmap_range(VirtAddr va, size_t pages);

    // Changes the permissions of every mapped page in the range (user forced
    // on). A borrowed page stays borrowed and can never be made writable
    // (kPermission, checked for the whole range before anything changes).
    Result<void> protect(VirtAddr va, size_t pages, PageFlags flags);

    // --- For the VM layer (mm/process_memory.h), which knows the regions ---

    // Maps one fresh frame at va (page aligned, user half) holding the
    // `length` bytes at `contents` (at most a page; the rest of the page is
    // zero): a file page that cannot be mapped from the file's own frames.
    // All or nothing.
    Result<void> map_copy(VirtAddr va, const void* contents, size_t length, PageFlags flags);

    // Maps the user frame `frame` at va (page aligned, user half), taking
    // over one reference the caller holds to it: a file's page shared with
    // the file (fs/tmpfs.h). Unmapping drops that reference like any owned
    // frame's. All or nothing (on failure the caller keeps its reference).
    Result<void> map_frame(VirtAddr va, PhysAddr frame, PageFlags flags);

    // Makes the page at va writable for this space alone, with `flags`
    // (writable is forced on): an owned frame that no other space holds a
    // reference to is kept and only its entry changes; a shared frame (a
    // copy-on-write page after fork) or a borrowed one (a file page) is
    // copied into a fresh frame that takes its place, and the reference to
    // the old one is dropped. kNoEntry if nothing is mapped at va, kNoMemory
    // if no frame is free (then nothing changed).
    Result<void> break_copy_on_write(VirtAddr va, PageFlags flags);

    // Rewrites the permissions of every mapped page in the range to
    // `flags`, except that a page becomes writable only if it already was or
    // `grant_write` is set, and a borrowed page never does: a private page
    // gets its write access from the fault handler, which knows whether its
    // frame is shared. user = false makes a page unreachable from user mode
    // while it keeps its frame (PROT_NONE). Holes are skipped (a terabyte of
    // reservation costs only its page tables' scan).
    void protect_range(VirtAddr va, size_t pages, PageFlags flags, bool grant_write);

    // Maps every page of [lo, hi) mapped here into `child`, at the same
    // address and sharing the frame: a borrowed page stays borrowed, an
    // owned frame gets one more reference (child holds it). With
    // copy_on_write, owned pages are read-only in both spaces afterwards, so
    // the first write on either side copies; without it (shared mappings)
    // both keep the entry as it is. `child` must be another space over the
    // same context. Entries made read-only here are not invalidated one by
    // one: `downgraded` is set when there were any, and the caller must then
    // call flush_tlb() before this space runs user code again (once for a
    // whole fork). On failure (kNoMemory for a page table of child) child
    // holds part of the range, each page with its own reference, so
    // destroying child returns exactly what it took; pages here may have
    // become read-only, which is harmless (a write takes a copy-on-write
    // fault that finds the frame unshared and just makes it writable again).
    Result<void> share_range_into(AddressSpace& child, VirtAddr lo, VirtAddr hi, bool copy_on_write,
                                  bool& downgraded);

    // mremap's move: every page mapped in [from, from + pages * 4 KiB) goes
    // to the same offset from `to`, keeping its frame (and the reference
    // to it), its flags (PROT_NONE pages included) and its borrowed mark;
    // the source is unmapped afterwards. The destination must hold nothing.
    // All or nothing: kNoMemory (a page table for the destination) leaves
    // the source as it was and the destination empty; kInvalid for a range
    // outside the user half.
    Result<void> move_range(VirtAddr from, VirtAddr to, size_t pages);

    // Drops every cached translation of this space's user half on every CPU
    // that may hold one (MemoryContext::flush_user_tlb).
    void flush_tlb() { m_context->flush_user_tlb(root(), pcid()); }

    MemoryContext& context() const { return *m_context; }

    Result<paging::Translation> translate(VirtAddr va);

    // Copies to/from this space's user memory through the direct map, so it
    // works whichever root is live. kFault if any byte is unmapped or the
    // range leaves the user half; copy_to and fill_zero also fail with kFault
    // on a borrowed page, which is shared with other spaces. On failure a
    // prefix may have been copied.
    Result<void> copy_to(VirtAddr va, const void* src, size_t length);
    Result<void> copy_from(void* dst, VirtAddr va, size_t length);
    Result<void> fill_zero(VirtAddr va, size_t length);

    // Frames this space owns: user leaves (each one a reference, so a frame
    // shared with another space after fork counts in both), and page tables
    // including the PML4 (both, with a user root).
    size_t user_frames() const { return m_user_frames; }
    // Pages mapped with map_borrowed (not owned, not in user_frames()).
    size_t borrowed_pages() const { return m_borrowed_pages; }
    size_t table_frames() const { return m_table_frames; }

    // The PageTable environment over the context, counting table frames.
    struct TableEnv {
        AddressSpace* space;
        Result<PhysAddr> allocate_table();
        void free_table(PhysAddr table);
        void* phys_to_virt(PhysAddr phys) { return space->m_context->phys_to_virt(phys); }
        void invalidate(VirtAddr va);
        // Brings other CPUs up to date with what invalidate() dropped here
        // (MemoryContext::shootdown_user), once for the batch.
        void flush_remote();
        bool remote_stale = false;  // invalidate() ran since the last flush_remote()
    };

private:
    AddressSpace(MemoryContext& context, PhysAddr root) : m_context(&context), m_cr3(root) {}
    static constexpr uint64_t kPcidMask = 0xfff;
    void release();
    void take(AddressSpace& other);
    paging::PageTable<TableEnv> tables(TableEnv& env) {
        return paging::PageTable<TableEnv>(env, root());
    }
    // Calls fn(bytes, offset, chunk) for each page-sized run of the range,
    // through the direct map. kFault if a page is unmapped, or borrowed when
    // `writing`.
    template <typename Fn>
    Result<void> for_each_user_byte_run(VirtAddr va, size_t length, bool writing, Fn&& fn);
    void note_mapped(VirtAddr va, size_t pages);
    // Copies the root's PML4 entries covering [lo, hi) into the user root
    // (nothing without one): after every operation that may have created
    // or rolled back a PDPT there, on success and failure alike.
    void mirror_user_entries(VirtAddr lo, VirtAddr hi);
    struct MirrorOnReturn;
    // Gives back what a leaf mapped: its frame if owned, only the count if borrowed.
    // User frames on their way back to the frame allocator, returned
    // kCapacity at a time under one lock hold (small: teardown runs on a
    // small kernel stack).
    struct FreedFrames {
        static constexpr size_t kCapacity = 32;
        PhysAddr frames[kCapacity];
        size_t count = 0;
        // The walk that unmapped them: other CPUs drop its stale entries
        // before a frame goes back (nullptr at teardown: live nowhere).
        TableEnv* env = nullptr;
    };
    void release_leaf(const paging::Translation& leaf, FreedFrames& freed);
    void return_frames(FreedFrames& freed);

    MemoryContext* m_context = nullptr;
    // The root with the PCID in its low 12 bits (CR3's layout), so that the
    // user root fits beside the counts: every Process holds a space, and its
    // size is budgeted (proc/lifecycle.kernel.cpp).
    uint64_t m_cr3 = 0;
    // 32-bit counts: the PMM indexes frames with 32 bits, so no space owns more.
    uint32_t m_user_frames = 0;
    uint32_t m_table_frames = 0;
    uint32_t m_borrowed_pages = 0;
    // The user root's frame number (0: none). 32 bits cover 16 TiB of
    // physical addresses; try_create fails on a frame above (never seen).
    uint32_t m_user_root_frame = 0;
    // Every range ever mapped (tables included), so the destructor walks
    // only those parts of the lower half.
    MappedExtents m_extents;
};

}  // namespace nyanos::mm
