// The GDT and the TSS. One CPU for now: one GDT, one TSS.
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

// Loads the GDT and the TSS and reloads every segment register. GS and FS
// are loaded with the null selector, which clears their bases.
void init_gdt();

// The stack the CPU switches to when an interrupt or exception arrives in
// user mode (TSS.RSP0). `rsp0` is the top of the current task's kernel stack,
// 16-byte aligned. The scheduler calls this on every switch to a user task.
void set_kernel_stack(uint64_t rsp0);
uint64_t kernel_stack();

// Bounds of the IST stacks, for the fault report and backtraces.
bool is_on_ist_stack(uint64_t address);

}  // namespace nyanos::arch
