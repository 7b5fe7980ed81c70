// Per-CPU data reached through GS, and the system-call MSRs.
//
// In kernel mode GS's base points at the running CPU's CpuEntryArea (the
// syscall and interrupt entries `swapgs` on the way in from user mode and
// back out; IA32_KERNEL_GS_BASE holds the user's value meanwhile). The
// entry area holds only what the entry code touches before it has a kernel
// stack, so that a later page-table-isolation root can map this area and
// nothing else of the kernel; everything else a CPU owns hangs off `owner`.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

// The most CPUs the kernel runs on (the boot CPU included); further CPUs the
// firmware lists stay parked.
inline constexpr unsigned kMaxCpus = 64;

struct CpuEntryArea {
    CpuEntryArea* self;   // offset 0: lets C++ code find the area with one GS load
    uint64_t kernel_rsp;  // offset 8: the running thread's kernel stack top (syscall entry)
    uint64_t user_rsp;    // offset 16: scratch for the user RSP during syscall entry
    uint32_t index;       // offset 24: 0 for the boot CPU, then in start order
    uint32_t apic_id;     // offset 28
    void* owner;          // offset 32: the scheduler's per-CPU state, opaque to arch
    // Offset 40: this CPU's TSS.RSP0, written on every task switch
    // (set_kernel_stack); 4-byte aligned only, as the TSS is packed. With
    // page-table isolation on it points at rsp0_sink instead: TSS.RSP0
    // then stays at entry_stack_top.
    void* tss_rsp0;
    // --- Page-table isolation (kpti.h); all zero while it is off. ---
    // Offset 48: nonzero when this CPU's entry and exit paths switch roots.
    uint64_t kpti;
    // Offset 56: the root the entry paths load (the current thread's).
    uint64_t kernel_cr3;
    // Offset 64: the root the exit paths load last (its user root).
    uint64_t user_cr3;
    // Offset 72: the top of this CPU's entry stack: TSS.RSP0, where the
    // CPU pushes the frame of an interrupt from user mode.
    uint64_t entry_stack_top;
    // Offset 80: scratch for a register during the exit to user mode.
    uint64_t exit_scratch;
    // Offset 88: where set_kernel_stack writes while isolation is on.
    uint64_t rsp0_sink;
    // Offset 96: the thread this CPU runs, opaque to arch: the scheduler
    // writes it on every switch, beside its own record, so that finding the
    // current thread (every system call does, several times) is one GS load.
    void* current_thread;
    // Offset 104: nonzero when this CPU should switch threads at its next
    // chance (the scheduler's; read on every return from a system call).
    uint64_t need_resched;
    // Offset 112: the scheduler's too, opaque to arch: the thread this CPU
    // has just switched away from, until the thread switched to has
    // finished the switch.
    void* switched_from;
};
static_assert(__builtin_offsetof(CpuEntryArea, kernel_rsp) == 8);
static_assert(__builtin_offsetof(CpuEntryArea, user_rsp) == 16);
static_assert(__builtin_offsetof(CpuEntryArea, tss_rsp0) == 40);
static_assert(__builtin_offsetof(CpuEntryArea, kpti) == 48);
static_assert(__builtin_offsetof(CpuEntryArea, kernel_cr3) == 56);
static_assert(__builtin_offsetof(CpuEntryArea, user_cr3) == 64);
static_assert(__builtin_offsetof(CpuEntryArea, entry_stack_top) == 72);
static_assert(__builtin_offsetof(CpuEntryArea, exit_scratch) == 80);
static_assert(__builtin_offsetof(CpuEntryArea, current_thread) == 96);
static_assert(__builtin_offsetof(CpuEntryArea, need_resched) == 104);
static_assert(__builtin_offsetof(CpuEntryArea, switched_from) == 112);

// Makes `area` this CPU's: GS base := &area, IA32_KERNEL_GS_BASE := 0 (the
// first user GS base) and IA32_FS_BASE := 0 (whatever the firmware left),
// records where this CPU's TSS.RSP0 is, then programs
// STAR/LSTAR/FMASK and EFER.SCE so `syscall` lands in the kernel's entry.
// Interrupts off; once per CPU, after its GDT and TSS are loaded and before
// the CPU takes any lock.
void install_cpu_local(CpuEntryArea& area);

// The boot CPU's area (index 0), installed by init_cpu().
CpuEntryArea& boot_cpu_entry();

// The area CPU `index` gets when it starts (index < kMaxCpus;
// smp.h's cpu_entry_area() answers only for CPUs online). All of them live in the entry data
// (entry_data.h), so a user root can map them without any other kernel data.
CpuEntryArea& entry_area_slot(unsigned index);

// This CPU's entry area. Valid in kernel mode after install_cpu_local().
inline CpuEntryArea& this_cpu_entry() {
    CpuEntryArea* area;
    asm volatile("movq %%gs:0, %0" : "=r"(area));
    return *area;
}

// Sets the kernel stack the syscall entry switches to (the entry area's
// kernel_rsp): one store through GS. On every thread switch.
inline void set_syscall_kernel_rsp(uint64_t rsp) {
    asm volatile("movq %0, %%gs:8" : : "r"(rsp) : "memory");
}

// This CPU's index, read straight through GS (one load).
inline uint32_t this_cpu_index() {
    uint32_t index;
    asm volatile("movl %%gs:24, %0" : "=r"(index));
    return index;
}
static_assert(__builtin_offsetof(CpuEntryArea, index) == 24);
// The same as an array index: read zero-extended into a 64-bit register,
// so indexing a per-CPU array needs no extension step.
inline uint64_t this_cpu_slot() {
    uint64_t index;
    asm volatile("movl %%gs:24, %k0" : "=r"(index));
    return index;
}

}  // namespace nyanos::arch
