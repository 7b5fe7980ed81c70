// CPU exceptions: user faults go to the process layer's handler, kernel
// faults to a fault report and a panic. Internal to kernel/arch/x86_64.
#pragma once

#include "arch/x86_64/interrupt_frame.h"

namespace nyanos::arch {

// The dispatcher's entry for vectors 0..31.
void handle_exception(InterruptFrame& frame);

// Prints the fault report for a kernel-mode exception: `PANIC: <reason>`
// first, then the vector, the error code, CR2 (page faults), the registers
// and a backtrace; then leaves QEMU with status 127 or halts.
[[noreturn]] void kernel_fault(const InterruptFrame& frame);

}  // namespace nyanos::arch
