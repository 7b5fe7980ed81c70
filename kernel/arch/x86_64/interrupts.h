// Interrupts: the IDT, the vectors, and the hooks other layers register.
//
// Vectors:
//   0..31     CPU exceptions (kernel mode: fault report and panic; user mode:
//             the user fault handler)
//   32        the LAPIC timer (kTimerVector)
//   48..63    legacy ISA IRQ 0..15 (kIrqVectorBase + irq), through the IOAPIC
//             when the MADT describes one, else through the remapped 8259s
//   64..223   devices' MSI and MSI-X, handed out with their handlers
//             (device_vectors.h)
//   240..243  inter-processor interrupts (ipi.h)
//   254       LAPIC error, 255 LAPIC spurious
// Every gate is an interrupt gate: handlers run with interrupts disabled.
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"

namespace nyanos::arch {

inline constexpr uint8_t kTimerVector = 32;
inline constexpr uint8_t kIrqVectorBase = 48;
inline constexpr unsigned kIsaIrqCount = 16;
// Inter-processor interrupts (ipi.h): a TLB shootdown, a wake-up, a call
// of whatever function a layer above registered (a kernel test that needs
// code running on the other CPUs), and a stop (the machine is halting).
inline constexpr uint8_t kTlbShootdownVector = 0xf0;
inline constexpr uint8_t kRescheduleVector = 0xf1;
inline constexpr uint8_t kCallFunctionVector = 0xf2;
inline constexpr uint8_t kStopVector = 0xf3;
inline constexpr uint8_t kFirstIpiVector = kTlbShootdownVector;
inline constexpr uint8_t kLastIpiVector = kStopVector;
inline constexpr uint8_t kApicErrorVector = 254;
inline constexpr uint8_t kSpuriousVector = 255;

inline constexpr unsigned kIrqKeyboard = 1;
inline constexpr unsigned kIrqCom1 = 4;

// Runs `handler` (in interrupt context, interrupts disabled) when ISA IRQ
// `irq` (0..15) fires; the end of interrupt is sent after it returns.
// nullptr removes it. May be called before init_timer(). Returns false if
// irq is out of range.
bool set_irq_handler(unsigned irq, void (*handler)());

// Lets ISA IRQ `irq` through the interrupt controller. Before init_timer()
// set the controller up this is remembered and applied then. Returns false
// if irq is out of range.
bool unmask_irq(unsigned irq);
bool mask_irq(unsigned irq);

// Called for every CPU exception raised in user mode (CPL 3): the process
// layer kills or signals the task. For a page fault, read_cr2() (io.h) is
// still valid when the handler starts (interrupts are off). Returning
// resumes the frame, so the handler must change it (or switch away) unless
// it fixed the cause. With no handler registered a user exception is a
// kernel panic.
using UserFaultHandler = void (*)(InterruptFrame& frame);
void set_user_fault_handler(UserFaultHandler handler);

// Runs last before every return to user mode through an interrupt frame:
// after the handler of any interrupt or exception that arrived in user mode.
// (A new thread's first entry and the end of a system call have their own
// checks in the process layer.) Interrupts
// are off and stay off until the iretq. The process layer ends a task with a
// pending kill here, so no user instruction runs once a kill is pending.
// The hook may switch tasks or never return. nullptr removes it.
using UserReturnHook = void (*)(InterruptFrame& frame);
void set_user_return_hook(UserReturnHook hook);

// Kernel code that touches memory which may fault on purpose (the user copy
// routines, probe_read.h) registers its instruction range: a page fault or #GP in kernel
// mode with RIP in [begin, end) resumes at `fixup` instead of panicking, with
// RAX set to the vector (14 or 13) and every other register, RFLAGS.AC
// included, as at the fault: a fixup inside a UserAccessGuard region leaves
// the clac to the guard, an assembly fixup does its own clac. At most
// kMaxFaultFixups ranges. Returns false when full or if the range is empty.
inline constexpr unsigned kMaxFaultFixups = 8;
bool register_fault_fixup(uint64_t begin, uint64_t end, uint64_t fixup);

// "#PF", "#GP", ... and the long name ("page fault"); "?" for other vectors.
const char* exception_mnemonic(uint64_t vector);
const char* exception_name(uint64_t vector);

// Builds the IDT and loads it. Part of init_cpu().
void init_idt();
// Points every gate at the page-table-isolation copy of the interrupt
// paths (interrupts.S, kpti.h). Once, on the boot CPU with interrupts off,
// before the other CPUs load the IDT.
void use_kpti_interrupt_paths();
// Loads the IDT init_idt() built on the calling CPU (every CPU shares it;
// its IST slots name stacks in each CPU's own TSS).
void load_idt();

}  // namespace nyanos::arch
