// Time: the LAPIC timer ticking at kTimerHz, and a monotonic clock from the
// TSC, both calibrated against the PIT at boot.
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"
#include "lib/acpi_madt.h"
#include "lib/acpi_tables.h"

namespace nyanos::arch {

inline constexpr uint32_t kTimerHz = 1000;

// What the interrupt controllers' set-up needs from the layers above, which
// read the firmware's tables and the command line.
struct InterruptSetup {
    // The routing the ACPI MADT describes; without an IOAPIC in it (no MADT,
    // or the choice to use the 8259s) IRQs go through the 8259s.
    acpi::MadtInfo madt;
    bool from_acpi = false;  // a MADT was found (the `timer:` line says when not)
    // Maps `size` bytes of device registers at physical `phys`, uncached, and
    // returns their address, or nullptr if it cannot (the memory manager's
    // job: arch owns no page tables of its own).
    void* (*map_device)(uint64_t phys, uint64_t size) = nullptr;
};

// Sets up the LAPIC and the IRQ routing (the IOAPIC `setup` names, else the
// 8259s), calibrates the LAPIC timer and the TSC against PIT channel 2,
// starts the timer at kTimerHz, enables interrupts and checks that ticks
// arrive. Call once, after init_cpu() and the memory manager. Prints
// `timer:` lines. Panics with the reason if the PIT does not count or no
// tick arrives.
void init_timer(const InterruptSetup& setup);

// Starts this CPU's LAPIC timer at kTimerHz with the boot CPU's calibration
// (every CPU's LAPIC timer runs from the same bus clock). For application
// processors, after init_timer() on the boot CPU; interrupts stay off.
void start_timer_on_this_cpu();

// Boot-CPU timer interrupts since init_timer() (nominally one per millisecond; an
// emulator may drop some when the host is busy: use uptime_ms() for time).
uint64_t ticks();

// Time since init_timer() from the TSC: never goes backwards. 0 before.
uint64_t monotonic_ns();
uint64_t uptime_ms();
uint64_t tsc_frequency_hz();
uint32_t lapic_timer_frequency_hz();  // the timer's input clock (after its divider)

// Called on every timer interrupt, after the tick count was advanced and the
// LAPIC was sent its end of interrupt, with interrupts still disabled. The
// scheduler registers it and may switch tasks from inside it (the next tick
// can only arrive once interrupts are enabled again). nullptr removes it.
using TimerHandler = void (*)(InterruptFrame& frame);
void set_timer_handler(TimerHandler handler);

// Busy-waits at least `us` microseconds on the TSC (after init_timer()).
void delay_us(uint64_t us);

// For the interrupt dispatcher.
void handle_timer_interrupt(InterruptFrame& frame);

}  // namespace nyanos::arch
