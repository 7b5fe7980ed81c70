// Inter-processor interrupts: one CPU interrupts another (or all others)
// with a fixed vector. The layers above register what each vector does: the
// TLB shootdown (mm), the scheduler's wake-up of an idle CPU (proc), and
// kCallFunctionVector for code a kernel test runs on the other CPUs (debug).
#pragma once

#include <stdint.h>

namespace nyanos::arch {

// Sends `vector` (kTlbShootdownVector, kRescheduleVector,
// kCallFunctionVector or kStopVector) to the CPU with index `cpu` (arch/x86_64/smp.h), or
// to every online CPU but the caller.
// Returns once the local APIC has accepted the IPI (not once it is
// handled). Interrupts may be on or off.
void send_ipi(unsigned cpu, uint8_t vector);
void send_ipi_to_others(uint8_t vector);

// What a vector does on the CPU that receives it: called with interrupts
// off, after the end of interrupt was sent, so a handler that turns
// interrupts on (and off again before it returns) can take any other
// interrupt, one of its own vector included. nullptr: nothing (the
// interrupt itself ends a `hlt`, which is all a wake-up needs).
using IpiHandler = void (*)();
void set_ipi_handler(uint8_t vector, IpiHandler handler);

// For the interrupt dispatcher.
void handle_ipi(uint8_t vector);

}  // namespace nyanos::arch
