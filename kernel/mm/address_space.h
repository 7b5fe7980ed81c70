// AddressSpace: one process's page tables and user frames, owned RAII.
//
// Lifecycle: try_create() allocates a PML4 and copies entries 256..511 (the
// kernel half, pre-populated at boot so they never change) from the kernel's
// root; map_anonymous() adds user pages backed by fresh zeroed frames; the
// destructor frees every user leaf frame, then every table below PML4
// entries 0..255, then the PML4 — never the kernel half. It works through
// the direct map whichever root is live, and refuses (VERIFY) to destroy the
// live one.
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
class MemoryContext : public DirectMap {
public:
    // A zeroed 4 KiB frame, counted under `use`.
    virtual Result<PhysAddr> allocate_zeroed_frame(FrameUse use) = 0;
    virtual void free_frame(PhysAddr frame, FrameUse use) = 0;
    // Several at once (teardown); the default frees them one by one.
    virtual void free_frames(const PhysAddr* frames, size_t count, FrameUse use) {
        for (size_t i = 0; i < count; ++i) free_frame(frames[i], use);
    }
    // Drops a stale TLB entry of the live address space.
    virtual void invalidate(VirtAddr va) = 0;
    // The kernel's PML4, whose entries 256..511 every space shares.
    virtual PhysAddr kernel_root() const = 0;
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

    // A new space with an empty user half and the kernel half shared.
    // kNoMemory if the PML4 cannot be allocated (nothing is leaked).
    static Result<AddressSpace> try_create(MemoryContext& context);

    AddressSpace(AddressSpace&& other);
    AddressSpace& operator=(AddressSpace&& other);
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;
    ~AddressSpace();

    PhysAddr root() const { return m_root; }
    // The PCID its translations are tagged with (0: none), and the value to
    // load into CR3 to run on this space.
    uint16_t pcid() const { return m_pcid; }
    uint64_t cr3() const { return m_root | m_pcid; }

    // Maps `pages` fresh zeroed frames at va (page aligned, user half) with
    // `flags` (user is forced on). All or nothing: on failure every frame and
    // table it took is returned and the translations are as before.
    Result<void> map_anonymous(VirtAddr va, size_t pages, PageFlags flags);

    // Maps the `pages` frames from `phys` (page aligned, physically
    // contiguous) at va without taking ownership of them: the frames belong
    // to something that outlives every address space (the ramdisk's file
    // pages), so several processes can map the same read-only segment. The
    // mapping must be read-only (kInvalid if flags.writable); the space never
    // frees these frames and copy_to/fill_zero refuse them. All or nothing,
    // like map_anonymous.
    Result<void> map_borrowed(VirtAddr va, PhysAddr phys, size_t pages, PageFlags flags);

    // Unmaps the pages of [va, va + pages * 4 KiB) that are mapped and frees
    // the frames it owns (borrowed ones are only unmapped); holes are
    // skipped. Tables stay until destruction.
    void unmap_range(VirtAddr va, size_t pages);

    // Changes the permissions of every mapped page in the range (user forced
    // on). A borrowed page stays borrowed and can never be made writable
    // (kPermission, checked for the whole range before anything changes).
    Result<void> protect(VirtAddr va, size_t pages, PageFlags flags);

    Result<paging::Translation> translate(VirtAddr va);

    // Copies to/from this space's user memory through the direct map, so it
    // works whichever root is live. kFault if any byte is unmapped or the
    // range leaves the user half; copy_to and fill_zero also fail with kFault
    // on a borrowed page, which is shared with other spaces. On failure a
    // prefix may have been copied.
    Result<void> copy_to(VirtAddr va, const void* src, size_t length);
    Result<void> copy_from(void* dst, VirtAddr va, size_t length);
    Result<void> fill_zero(VirtAddr va, size_t length);

    // Frames this space owns: user leaves, and page tables including the PML4.
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
    };

private:
    AddressSpace(MemoryContext& context, PhysAddr root) : m_context(&context), m_root(root) {}
    void release();
    void take(AddressSpace& other);
    paging::PageTable<TableEnv> tables(TableEnv& env) {
        return paging::PageTable<TableEnv>(env, m_root);
    }
    // Calls fn(bytes, offset, chunk) for each page-sized run of the range,
    // through the direct map. kFault if a page is unmapped, or borrowed when
    // `writing`.
    template <typename Fn>
    Result<void> for_each_user_byte_run(VirtAddr va, size_t length, bool writing, Fn&& fn);
    void note_mapped(VirtAddr va, size_t pages);
    // Gives back what a leaf mapped: its frame if owned, only the count if borrowed.
    // User frames on their way back to the frame allocator, returned
    // kCapacity at a time under one lock hold (small: teardown runs on a
    // small kernel stack).
    struct FreedFrames {
        static constexpr size_t kCapacity = 16;
        PhysAddr frames[kCapacity];
        size_t count = 0;
    };
    void release_leaf(const paging::Translation& leaf, FreedFrames& freed);
    void return_frames(FreedFrames& freed);

    MemoryContext* m_context = nullptr;
    PhysAddr m_root = 0;
    // 32-bit counts: the PMM indexes frames with 32 bits, so no space owns more.
    uint32_t m_user_frames = 0;
    uint32_t m_table_frames = 0;
    uint32_t m_borrowed_pages = 0;
    uint16_t m_pcid = 0;
    // Every range ever mapped (tables included), so the destructor walks
    // only those parts of the lower half.
    MappedExtents m_extents;
};

}  // namespace nyanos::mm
