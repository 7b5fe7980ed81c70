// ProcessMemory: a process's user memory, the VM layer the system calls and
// the fault handler talk to. It owns the address space (page tables and
// frames, mm/address_space.h) and the region map (mm/vm_map.h), keeps the
// two consistent, and decides what a fault means: every user address is
// interpreted here and nowhere else.
//
// What it offers, with Linux's semantics (Linux 6.1's mmap(2), munmap(2),
// mprotect(2), madvise(2), brk(2); errors as Error values with Linux's
// errno numbers, which the system-call layer returns negated):
//  - map: anonymous and file-backed, private and shared, at a hint, FIXED
//    (whatever was there is unmapped first) or FIXED_NOREPLACE (EEXIST),
//    PROT_NONE reservations, lengths rounded up to pages; the free range is
//    searched top-down below mmap_base, above kMmapMinAddr (Linux's default
//    layout and vm.mmap_min_addr);
//  - unmap, protect, advise_dontneed, splitting regions as needed;
//  - brk (Linux) and sbrk (NyanOS), both moving one break over kHeap
//    regions;
//  - resolve_fault: demand-zero pages for anonymous memory, the heap and the
//    stack (which grows down to its limit, never within kStackGuardGap of the
//    region below), file pages (mapped straight from the file's frames when
//    they can be: borrowed, read-only; copied otherwise; SIGBUS past the
//    file's last page), copy-on-write breaks;
//  - clone_for_fork: the child shares every frame by reference count; private
//    pages become copy-on-write in both, shared mappings stay shared.
//
// File regions hold a counted reference to their FileBacking
// (mm/file_backing.h), which the region map takes and drops as regions are
// added, split, merged, copied by fork and destroyed by exec and exit; so
// no path here, failing or not, needs to count them itself.
//
// Pages and frames:
//  - a private page is writable in the page tables only while its frame is
//    this process's alone; after fork (or while it is a file's frame) it is
//    read-only and the first write copies it (AddressSpace::
//    break_copy_on_write), or just makes it writable if the count has come
//    back to 1. mprotect never grants write to a private page directly: the
//    fault does, knowing the count.
//  - shared anonymous mappings are filled when they are mapped, so that
//    every process that inherits one maps the same frames (there is no
//    shared memory object behind them); their pages are never dropped before
//    munmap (MADV_DONTNEED leaves them, which reads the same as Linux's
//    shmem). Shared file mappings map the file's own frames
//    (mm/file_backing.h): a store is the file's.
//  - PROT_NONE pages keep their frame, mapped without the user bit (and
//    read-only). User code cannot reach them; the kernel's user copies can
//    read them (SMAP guards user pages only), so a write(2) from such a
//    buffer sends the process's own bytes where Linux says EFAULT.
//
// W^X: a mapping is never made writable and executable unless the program
// asks for both (PROT_WRITE|PROT_EXEC) and the process allows it
// (MemoryLayout::allow_write_execute: Linux programs, as Linux does). For
// NyanOS programs such a map or protect fails with EACCES, the error a
// Linux security module (SELinux's execmem) gives for the same request.
//
// All or nothing: every operation that fails (ENOMEM from the region map,
// the page tables or the frames) leaves the regions and mappings as they
// were, except where Linux itself does not promise it (a MAP_FIXED whose
// shared anonymous pages cannot all be had leaves the old range unmapped, as
// Linux may).
//
// Portable and host-tested; the caller serialises access (a process has one
// thread today; threads will need a lock here: docs/locking.md).
#pragma once

#include <stdint.h>

#include "mm/address_space.h"
#include "mm/vm_map.h"
#include "nyanos/lib/result.h"

namespace nyanos::mm {

// mmap flags: Linux's values.
inline constexpr uint32_t kMapShared = 0x01;
inline constexpr uint32_t kMapPrivate = 0x02;
inline constexpr uint32_t kMapSharedValidate = 0x03;
inline constexpr uint32_t kMapTypeMask = 0x0f;
inline constexpr uint32_t kMapFixed = 0x10;
inline constexpr uint32_t kMapAnonymous = 0x20;
inline constexpr uint32_t kMapGrowsDown = 0x100;
inline constexpr uint32_t kMapDenyWrite = 0x800;
inline constexpr uint32_t kMapExecutable = 0x1000;
inline constexpr uint32_t kMapLocked = 0x2000;
inline constexpr uint32_t kMapNoReserve = 0x4000;
inline constexpr uint32_t kMapPopulate = 0x8000;
inline constexpr uint32_t kMapNonBlock = 0x10000;
inline constexpr uint32_t kMapStack = 0x20000;
inline constexpr uint32_t kMapHugeTlb = 0x40000;
inline constexpr uint32_t kMapSync = 0x80000;
inline constexpr uint32_t kMapFixedNoReplace = 0x100000;

// mremap flags: Linux's values.
inline constexpr uint32_t kMremapMayMove = 1;
inline constexpr uint32_t kMremapFixed = 2;
inline constexpr uint32_t kMremapDontUnmap = 4;

// Linux's default vm.mmap_min_addr: nothing is mapped below it (EPERM for a
// fixed mapping there), so a NULL dereference with an offset still faults.
inline constexpr VirtAddr kMmapMinAddr = 0x10000;

// What a faulting access wanted (page-fault error code bits 1 and 4).
enum class Access : uint8_t { kRead, kWrite, kExecute };

enum class FaultResult : uint8_t {
    kHandled,   // the page is there now: retry the access
    kSegv,      // no region there, or it forbids the access: SIGSEGV
    kBus,       // a file page past the file's end: SIGBUS
    kNoMemory,  // a frame or page table could not be had: the process dies
};

// Where a new process's memory goes.
struct MemoryLayout {
    // The stack region: [stack_top - stack_size, stack_top) at first,
    // growing down on faults to stack_top - stack_max at most (stack_max ==
    // stack_size: a fixed stack, as NyanOS programs have). Page aligned.
    VirtAddr stack_top = 0;
    uint64_t stack_size = 0;
    uint64_t stack_max = 0;
    // The first byte of the brk heap (page aligned); the break starts there.
    VirtAddr brk_start = 0;
    // The top of the mmap area (searched top-down from here), and the
    // ceiling of the brk heap (NyanOS programs: their 1 GiB heap limit).
    VirtAddr mmap_base = 0;
    // W^X off: PROT_WRITE|PROT_EXEC is honoured (Linux programs only).
    bool allow_write_execute = false;
};

class ProcessMemory {
public:
    // Empty: no address space (root 0), no regions; every fault is SIGSEGV.
    ProcessMemory() = default;

    // Takes over `space` (a program is loaded in it) and gives it a region
    // map holding the stack region of `layout`. Pages the loader mapped are
    // made known with add_loaded_region. kNoMemory, kInvalid for a layout
    // that does not fit the user half.
    static Result<ProcessMemory> try_create(AddressSpace&& space, const MemoryLayout& layout);

    ProcessMemory(ProcessMemory&& other) = default;
    ProcessMemory& operator=(ProcessMemory&& other) = default;
    ProcessMemory(const ProcessMemory&) = delete;
    ProcessMemory& operator=(const ProcessMemory&) = delete;

    // Records [start, end) (page aligned), which the loader mapped eagerly
    // (program segments), as a private anonymous region with `prot`: later
    // faults, munmap, mprotect and fork treat it like any other. kExists if
    // a region is there, kNoMemory.
    Result<void> add_loaded_region(VirtAddr start, VirtAddr end, uint8_t prot);

    // Destroys the mappings and the regions now (exit); the space must not
    // be live on any CPU.
    void release();

    AddressSpace& space() { return m_space; }
    const AddressSpace& space() const { return m_space; }
    const VmMap& regions() const { return m_map; }
    VirtAddr current_break() const { return m_brk; }

    // Where exec put the argument strings and, right after them, the
    // environment's (Linux's arg_start..arg_end, env_start..env_end:
    // /proc/<pid>/cmdline and environ read them from this memory, as the
    // program may have rewritten them). Set once by exec; a fork's copy
    // keeps them.
    void set_arguments(VirtAddr start, VirtAddr end, VirtAddr environment_end) {
        m_arguments_start = start;
        m_arguments_length = uint32_t(end - start);
        m_environment_length = uint32_t(environment_end - end);
    }
    VirtAddr arguments_start() const { return m_arguments_start; }
    size_t arguments_length() const { return m_arguments_length; }
    VirtAddr environment_start() const { return m_arguments_start + m_arguments_length; }
    size_t environment_length() const { return m_environment_length; }
    // Where the heap starts, and the bytes every region spans (VmSize).
    VirtAddr break_start() const { return m_brk_start; }
    uint64_t mapped_bytes() const;
    bool allows_write_execute() const { return m_allow_write_execute; }

    // RLIMIT_STACK's soft limit: the stack region grows down on a fault
    // only while it stays within it (Linux's acct_stack_growth), besides
    // its fixed stack_max. The process layer sets it at exec and whenever
    // the limit changes; a relaxed atomic, since prlimit may change
    // another process's while it faults.
    void set_stack_limit(uint64_t bytes) {
        __atomic_store_n(&m_stack_limit, bytes, __ATOMIC_RELAXED);
    }

    // mmap(2). `hint` is where the mapping should go (a hint unless
    // kMapFixed or kMapFixedNoReplace); `file` and `offset` are ignored for
    // kMapAnonymous, otherwise `file` must be non-null (the system-call
    // layer answers EBADF, and the file's own EACCES and ENODEV, first:
    // fs/file_mapping.h). The new region takes its own reference to `file`
    // (mm/file_backing.h); the caller keeps and drops its own, whether the
    // call succeeds or fails. Errors: EINVAL (length 0, no or both
    // types, an unaligned fixed address or file offset), ENOMEM (no room,
    // length past the user half, too many regions), EEXIST (FIXED_NOREPLACE
    // over a mapping), EPERM (a fixed address below kMmapMinAddr), EACCES
    // (W+X refused; writable MAP_SHARED of a read-only file), EOVERFLOW
    // (offset + length wraps). Ignored like Linux: MAP_DENYWRITE,
    // MAP_EXECUTABLE, MAP_NORESERVE, MAP_STACK, MAP_LOCKED, MAP_NONBLOCK; and
    // here MAP_POPULATE (pages still come on first touch) and MAP_GROWSDOWN
    // (the mapping does not grow). MAP_HUGETLB: ENOMEM (no huge pages).
    //
    // `may_write` false: the mapping may never be writable (Linux's
    // VM_MAYWRITE clear, for a MAP_SHARED mapping of a description not open
    // for writing: /dev/zero's memory): PROT_WRITE is EACCES now and from a
    // later mprotect. A shared mapping of a file whose backing is not
    // writable is so whatever `may_write` says.
    Result<VirtAddr> map(VirtAddr hint, uint64_t length, uint8_t prot, uint32_t flags,
                         FileBacking* file = nullptr, uint64_t offset = 0, bool may_write = true);

    // munmap(2): EINVAL for an unaligned address, length 0, or a range
    // leaving the user half; ENOMEM if splitting a region needs a slot that
    // cannot be had. Holes are fine. Frames go back (the last reference);
    // emptied page tables stay until exit (freeing them would need a TLB
    // shootdown on SMP: AddressSpace's tables are freed only at teardown).
    Result<void> unmap(VirtAddr addr, uint64_t length);

    // mprotect(2): EINVAL (unaligned, bad bits), ENOMEM (part of the range
    // is unmapped, or it wraps: nothing changes then, where Linux may have
    // changed the part before the hole), EACCES (W+X refused; write to a
    // mapping that may never be written: a shared read-only file).
    Result<void> protect(VirtAddr addr, uint64_t length, uint8_t prot);

    // madvise(MADV_DONTNEED): private pages in the range are dropped (the
    // next touch reads zeros, or the file again); shared ones keep their
    // contents. EINVAL (unaligned, wraps); ENOMEM if part of the range is
    // unmapped (the mapped parts are still done, as Linux).
    Result<void> advise_dontneed(VirtAddr addr, uint64_t length);

    // mremap(2) (flags: kMremapMayMove, kMremapFixed, kMremapDontUnmap):
    // shrinks by unmapping the tail; grows in place when the pages after
    // the region are free, else moves (with MAYMOVE) to a free range or to
    // `new_addr` (FIXED, whatever was there is unmapped first): the pages
    // keep their frames, and the grown part is a continuation of the region
    // (demand-zero, the file's next pages, or filled for shared anonymous
    // memory). DONTUNMAP leaves the source region mapped and empty. Linux's
    // errors: EINVAL (flags, alignment, a zero new length, overlapping
    // FIXED ranges), EFAULT (no region at `addr`, or the old range goes past
    // its region), ENOMEM (cannot grow in place without MAYMOVE, no room).
    // Not here: the "duplicate" of a shared mapping (old length 0: EINVAL),
    // DONTUNMAP of shared memory (EINVAL), and moving or growing the brk
    // heap or the stack (EFAULT).
    Result<VirtAddr> remap(VirtAddr addr, uint64_t old_length, uint64_t new_length, uint32_t flags,
                           VirtAddr new_addr);

    // A file was truncated to `size` bytes: every page this space maps of
    // it (the file's inode number, mm::FileBacking::inode) at or past the
    // end's page is unmapped, the private copies too, so the next touch
    // faults and finds the end (SIGBUS), as Linux's truncate_pagecache.
    void unmap_file_past(uint32_t inode, uint64_t size);

    // brk(2): moves the break to `new_break` and returns it, or returns the
    // current break and changes nothing when it cannot (below brk_start,
    // above mmap_base, within a page of another region, no memory).
    // Shrinking unmaps the whole pages above the new break.
    VirtAddr brk(VirtAddr new_break);

    // NyanOS's sbrk: moves the break by `increment` and returns the previous
    // one. ENOMEM past mmap_base (the heap limit) or into another region,
    // EINVAL below brk_start. Shrinking unmaps the whole pages above the new
    // break (their frames return).
    Result<uint64_t> sbrk(int64_t increment);

    // A fault at `address` for `access`; `present`: the page-table entry was
    // present (a protection fault), as the error code says. For user-mode
    // accesses only: a present page that already allows the access counts as
    // a stale TLB entry (kHandled: the fault dropped it, the retry succeeds),
    // so a fault this layer cannot see the cause of (an implicit supervisor
    // access, a reserved bit) must not come here: it would repeat forever.
    FaultResult resolve_fault(VirtAddr address, Access access, bool present);

    // The kernel is about to access `address` on the process's behalf (a
    // user copy): makes the page there usable for `access` if a fault would
    // (maps a lazy page, breaks copy-on-write for a write). kHandled if the
    // access can go ahead.
    FaultResult prefault(VirtAddr address, Access access);

    // fork: a new ProcessMemory with the same regions and break, sharing
    // every frame (AddressSpace::share_range_into; copy-on-write for private
    // regions). kNoMemory, and then nothing was created and this process is
    // unchanged but for private pages made read-only, which is harmless (the
    // next write takes a fault that finds the frame unshared). This space's
    // stale writable translations are flushed before it returns, on success
    // and failure alike.
    Result<ProcessMemory> clone_for_fork();

private:
    PageFlags page_flags(const Region& r) const;
    // Where a mapping of `len` bytes goes without MAP_FIXED: at `hint` if
    // it is free, else the highest free range below mmap_base, else above.
    Result<VirtAddr> free_range(VirtAddr hint, uint64_t len) const;
    // mremap's region at `addr` for a resize from old_len to new_len.
    Result<const Region*> region_to_resize(VirtAddr addr, uint64_t old_len, uint64_t new_len) const;
    // Inserts `region` (its range free), filling shared anonymous memory.
    Result<void> add_region(const Region& region);
    // Moves [addr, addr + old_len) of `source` to `target`, grown to
    // new_len; the source range is unmapped unless `keep_source`.
    Result<VirtAddr> move_region(const Region& source, VirtAddr addr, uint64_t old_len,
                                 uint64_t new_len, VirtAddr target, bool keep_source);
    // For an address in no region: the stack region above it, grown down to
    // it if it may grow that far; else nullptr.
    const Region* grow_stack_to(VirtAddr address);
    FaultResult fill_page(const Region& r, VirtAddr page, Access access);
    FaultResult fix_present_page(const Region& r, VirtAddr page, Access access);
    // W^X and file write permission for `prot` over region r.
    bool prot_allowed(uint8_t prot) const;
    // Moves the break from m_brk to `new_break` (checked by the caller).
    Result<void> move_break(VirtAddr new_break);

    AddressSpace m_space;
    VmMap m_map;
    VirtAddr m_brk_start = 0;
    VirtAddr m_brk = 0;
    VirtAddr m_mmap_base = 0;
    bool m_allow_write_execute = false;
    // The argument strings' length, beside the flag above (they fit in its
    // padding), and their start (see set_arguments).
    uint32_t m_arguments_length = 0;
    uint64_t m_stack_limit = ~0ull;
    VirtAddr m_arguments_start = 0;
    uint32_t m_environment_length = 0;
};

}  // namespace nyanos::mm
