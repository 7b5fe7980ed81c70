// The GDT and the TSS: one pair per CPU, each CPU's own (a TSS descriptor
// is marked busy by `ltr`, and each CPU needs its own RSP0 and IST stacks).
// The functions below act on the calling CPU's pair, found through GDTR.
//
// Layout (the order SYSCALL/SYSRET need):
//   0x00 null
//   0x08 kernel code (64-bit)         SYSCALL: CS = STAR[47:32]
//   0x10 kernel data                  SYSCALL: SS = STAR[47:32] + 8
//   0x18 user data   (RPL 3: 0x1b)    SYSRET:  SS = STAR[63:48] + 8
//   0x20 user code   (RPL 3: 0x23)    SYSRET:  CS = STAR[63:48] + 16 (64-bit)
//   0x28 TSS (a 16-byte system descriptor: two slots)
// STAR[63:48] = 0x10: SYSRET forces RPL 3 on both selectors. SYSRET to
// 32-bit mode (CS = STAR[63:48]) is never used.
#pragma once

#include <stdint.h>

#include "arch/x86_64/cpu_local.h"  // kMaxCpus

namespace nyanos::arch {

inline constexpr uint16_t kKernelCodeSelector = 0x08;
inline constexpr uint16_t kKernelDataSelector = 0x10;
inline constexpr uint16_t kUserDataSelector = 0x18 | 3;
inline constexpr uint16_t kUserCodeSelector = 0x20 | 3;
inline constexpr uint16_t kTssSelector = 0x28;

// The selector bases the syscall layer writes into the STAR MSR (0xC0000081).
inline constexpr uint16_t kStarSyscallBase = kKernelCodeSelector;
inline constexpr uint16_t kStarSysretBase = 0x10;
inline constexpr uint64_t kStarValue =
    (uint64_t(kStarSysretBase) << 48) | (uint64_t(kStarSyscallBase) << 32);
static_assert(kStarSyscallBase + 8 == kKernelDataSelector);
static_assert((kStarSysretBase + 8) == (kUserDataSelector & ~3));
static_assert((kStarSysretBase + 16) == (kUserCodeSelector & ~3));

// Interrupt stack table slots (1-based, as the IDT gate's IST field uses them).
inline constexpr uint8_t kIstDoubleFault = 1;
inline constexpr uint8_t kIstNmi = 2;
inline constexpr uint8_t kIstMachineCheck = 3;
inline constexpr uint64_t kIstStackSize = 16 * 1024;

// What one CPU's TSS points at: the three IST stacks and the stack for
// interrupts from ring 3 until the scheduler sets a thread's, each
// kIstStackSize bytes.
inline constexpr uint64_t kCpuTssStacksBytes = 4 * kIstStackSize;

// Loads the boot CPU's GDT and TSS (CPU index 0, stacks in the kernel image)
// and reloads every segment register. GS and FS are loaded with the null
// selector, which clears their bases. Once, early, interrupts off.
void init_gdt();

// The same for an application processor: builds CPU `index`'s
// (1..kMaxCpus-1) GDT and TSS, with the TSS stacks carved out of
// [stacks, stacks + kCpuTssStacksBytes) (16-byte aligned, mapped in the
// kernel half, never freed), and loads them on the calling CPU. Once per
// index, on that CPU, interrupts off.
void init_gdt_for_ap(unsigned index, uint8_t* stacks);

// The stack the CPU switches to when an interrupt or exception arrives in
// user mode (TSS.RSP0) of the calling CPU. `rsp0` is the top of the current
// task's kernel stack, 16-byte aligned. The scheduler calls this on every
// switch, so it is two instructions: the slot's address comes from the
// per-CPU entry area (CpuEntryArea::tss_rsp0, through GS). After
// install_cpu_local() on this CPU.
inline void set_kernel_stack(uint64_t rsp0) {
    asm volatile(
        "movq %%gs:40, %%rax\n\t"
        "movq %0, (%%rax)"
        :
        : "r"(rsp0)
        : "rax", "memory");
}
uint64_t kernel_stack();

// The top of the calling CPU's fourth TSS stack, where TSS.RSP0 starts:
// its entry stack under page-table isolation (kpti.h).
uint64_t this_cpu_entry_stack_top();

// The address of the calling CPU's TSS.RSP0 (found through GDTR), for
// install_cpu_local(). After init_gdt()/init_gdt_for_ap() on this CPU.
void* this_cpu_tss_rsp0();

// Whether `address` lies on one of the calling CPU's IST stacks, for the
// fault report and backtraces.
bool is_on_ist_stack(uint64_t address);

}  // namespace nyanos::arch
