// The kernel's virtual memory: its PML4 (the one the loader built and the
// kernel was entered with), the kernel-half layout, and helpers to map
// kernel pages and kernel stacks after boot.
//
// Kernel-half layout (kernel/mm/kernel_layout.h). Only the PML4 entries the
// kernel can ever map into are present, all of them from init_vmm() on, so
// every address space that copied entries 256..511 sees later kernel
// mappings; the others stay absent and no mapping can create them:
//   0xffff800000000000  HHDM: all RAM (and device memory mapped on demand),
//                       phys_to_virt(); built by the loader. Present: the
//                       entries below 2^MAXPHYADDR (2 with 40 bits).
//   0xffffc00000000000  kernel stacks: kKernelStackSlots slots of 16 KiB,
//                       each an unmapped guard page below a stack of up to
//                       12 KiB (threads: 8 KiB; one PT per 128 stacks).
//                       Present: 1 entry.
//   0xffffd00000000000  free for kernel mappings (map_kernel_pages), one
//                       entry (512 GiB); the self-test uses kKernelScratchBase
//   0xffffffff80000000  the kernel image (text R-X, rodata R--, data RW- NX),
//                       entry 511
//
// Lower half (entries 0..255): empty in the kernel's PML4 once init_vmm()
// has dropped the loader's identity map; user address spaces own theirs.
//
// Preemption: the functions below run with interrupts off, so tasks that
// exec concurrently on one CPU cannot interleave inside the shared kernel
// half or the PMM. Not SMP-safe; never call from interrupt handlers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/kernel_layout.h"
#include "mm/physical_memory.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/page_table.h"
#include "sync/spinlock.h"

namespace nyanos::mm {

// The kernel VMM lock: the kernel half of the page tables (every change to
// it after boot) and the kernel-stack slots. A leaf apart from the frame
// allocator and the heap, which it may call into; taken with interrupts
// off. Never held while waiting for other CPUs (docs/locking.md).
extern sync::IrqSpinLock g_kernel_vmm_lock;

using paging::PageFlags;
using paging::VirtAddr;

// PageTable's environment for kernel-owned tables: frames from the PMM
// (FrameUse::kPageTable, zeroed), reached through the HHDM, invlpg. Once
// init_vmm() has sealed the kernel half, no new kernel PML4 entry.
struct KernelPagingEnv {
    Result<PhysAddr> allocate_table();
    void free_table(PhysAddr table);
    void* phys_to_virt(PhysAddr phys);
    void invalidate(VirtAddr va);
    bool may_add_kernel_pml4_entry();
};

using KernelPageTable = paging::PageTable<KernelPagingEnv>;

// A walker over the kernel's PML4 (cheap: two words). Its kernel half is
// shared with every address space; its lower half is empty after boot.
KernelPageTable kernel_page_table();

// Drops every translation this CPU's TLB holds, global ones included.
void flush_kernel_tlb();
// The physical address of the kernel's PML4 (boot_info().kernel_pml4_phys).
PhysAddr kernel_root();

// Called from kernel_main right after init_physical_memory(): drops the
// loader's identity map (PML4 entries 0..255) and flushes the TLB, hands the
// boot-reclaimable memory to the PMM (reclaim_boot_memory()), gives every
// absent kernel-half PML4 entry the kernel can map into (kernel_layout.h) an
// empty PDPT, and seals the kernel half. Panics if that cannot be done (no
// memory this early is fatal). Prints `vmm: ...` with what it did.
void init_vmm();

// True from the end of init_vmm() on: a mapping that would need a new
// kernel-half PML4 entry (one outside the areas of kernel_layout.h) fails
// with kInvalid instead of creating a PDPT only in the kernel's PML4, which
// the address spaces created earlier would not see. An error rather than a
// panic: it is a caller asking for an address outside the kernel's areas
// (map_kernel_pages, mm::map_physical of an address beyond MAXPHYADDR), and
// every such caller already handles failure.
bool kernel_half_sealed();

// Maps `pages` 4 KiB pages [va, va + pages * 4 KiB) to [pa, ...) in the
// kernel half (shared by every address space). va and pa page aligned,
// the range inside the kernel half, flags.user false: else kInvalid.
// kExists if any page is already mapped, kNoMemory if a table cannot be
// allocated. All or nothing. The frames stay owned by the caller.
Result<void> map_kernel_pages(VirtAddr va, PhysAddr pa, size_t pages, PageFlags flags);

// Unmaps [va, va + pages * 4 KiB), every page of which must be a 4 KiB
// kernel page mapped by map_kernel_pages (kNoEntry / kInvalid otherwise,
// checked before anything changes). Frees nothing: the caller owns the
// frames. The TLB entries are invalidated on every CPU (a shootdown) before
// it returns, so the caller may reuse the frames at once. With more than one
// CPU online: interrupts on and no spinlock held.
Result<void> unmap_kernel_pages(VirtAddr va, size_t pages);

// Changes the permissions of [va, va + pages * 4 KiB), with the same rules
// as unmap_kernel_pages. All or nothing.
Result<void> protect_kernel_pages(VirtAddr va, size_t pages, PageFlags flags);

// The largest stack free_kernel_stack keeps for reuse: a thread's stack is
// at most this (proc::kernel_stack_pages_for, checked there).
inline constexpr size_t kMaxCachedStackPages = 2;

// A kernel stack of `pages` (1..KernelStackArea::kMaxStackPages) pages of fresh frames
// (FrameUse::kKernelStack) with an unmapped guard page below it; returns its
// top, the initial RSP (16-byte aligned). kInvalid for a bad size,
// kNoMemory when out of frames or stack slots. All or nothing.
Result<VirtAddr> allocate_kernel_stack(size_t pages);
// Frees a stack from allocate_kernel_stack, given the top it returned. The
// stack must not be in use. Panics on a top that is not a live stack.
//
// A stack of at most kMaxCachedStackPages (a thread's) is kept, still
// mapped, in a small cache for the next allocation of its size: its translation never
// changes, so reusing it costs no frame, no mapping and no TLB shootdown
// (exec and exit are the hot users). A stack
// that does go is unmapped, shot down on every CPU, and only then are its
// frame and slot reused. Interrupts on and no spinlock held (it may wait for
// other CPUs).
void free_kernel_stack(VirtAddr top);
// Returns every cached stack's frames (one shootdown for all). For exact
// memory accounting (meminfo) and when memory runs out. Interrupts on, no
// spinlock held. Returns how many stacks went.
size_t reclaim_kernel_stacks();
// The page count of the live stack with this top, 0 if there is none.
size_t kernel_stack_pages(VirtAddr top);

}  // namespace nyanos::mm
