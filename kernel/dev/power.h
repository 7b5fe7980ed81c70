// Leaving the machine: QEMU's isa-debug-exit, then ACPI S5, then a halt.
#pragma once

#include <stdint.h>

namespace nyanos::power {

// Writes `status` to QEMU's isa-debug-exit port (0xf4), which ends QEMU with
// exit code (status << 1) | 1. Returns if the device is absent.
void qemu_debug_exit(uint32_t status);

// Powers off: isa-debug-exit with `status`, else ACPI S5 when known, else
// prints why and halts.
[[noreturn]] void power_off(uint32_t status);

}  // namespace nyanos::power
