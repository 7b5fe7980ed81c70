// Leaving the machine: powering off (QEMU's isa-debug-exit, then ACPI S5,
// then a halt with a message) and rebooting (the ACPI reset register, then
// the 8042 keyboard controller, then a triple fault).
#pragma once

#include <stdint.h>

namespace nyanos::power {

// Reads what power-off and reboot need from ACPI (the FADT, the \_S5 values
// in the DSDT or an SSDT) and prints one `power:` line saying what was found.
// Call once during initialisation, after the CPU set-up (it maps firmware
// tables with mm::map_physical). Idempotent; power_off and reboot call it
// themselves if nobody did, so it is optional, but doing it at boot means
// the way down needs no mapping and reports broken tables early.
void init();

// Writes `status` to QEMU's isa-debug-exit port (0xf4), which ends QEMU with
// exit code (status << 1) | 1. Returns if the device is absent.
void qemu_debug_exit(uint32_t status);

// Powers off: isa-debug-exit with `status`, else ACPI S5 when the tables
// allow it (prints `power: ACPI S5` first), else prints why and halts.
// Any context; interrupts are disabled on entry.
[[noreturn]] void power_off(uint32_t status);

// Halts: every other CPU is stopped, then this one, with the machine left
// on (Linux's reboot(LINUX_REBOOT_CMD_HALT)); prints `power: halted`
// first. Any context; interrupts are disabled on entry.
[[noreturn]] void halt();

// Resets the machine; prints `power: reboot` first. Any context; interrupts
// are disabled on entry. Under QEMU with -no-reboot, QEMU exits.
[[noreturn]] void reboot();

}  // namespace nyanos::power
