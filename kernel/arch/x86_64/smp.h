// Bringing up the application processors (APs): every CPU but the boot CPU.
//
// This step starts them and sets each one up like the boot CPU (its own
// GDT, TSS, IST and kernel stacks, the shared IDT, the same control
// registers and features, its LAPIC with no timer, its own CpuEntryArea and
// syscall MSRs), then hands it to the AP idle hook. Nothing else in the
// kernel is SMP-safe yet (the scheduler, the frame allocator, the heap and
// the kernel page tables take no locks, and kernel-half TLB invalidations
// reach only the CPU that makes them), so an AP must not touch any of it
// until a later step makes it so: the default hook halts with interrupts
// off.
#pragma once

#include <stdint.h>

#include "arch/x86_64/cpu_local.h"
#include "lib/acpi_madt.h"

namespace nyanos::arch {

// Registers the boot CPU's entry area as CPU 0 (index 0, its APIC id), then,
// unless the command line says `nosmp`, starts every enabled processor
// `madt` (the ACPI MADT, nullptr if there is none) lists (up to kMaxCpus in all) with INIT-SIPI-SIPI and waits for
// each to finish its set-up (bounded). Prints `smp: N cpus online` when more
// than one CPU is online, `smp: cpu ID did not start` for an AP that did
// not come up in time (it is sent INIT again, so it stays parked), and why
// no AP was tried when the start-up code has no room below 1 MiB or memory
// runs out. Call once on the boot CPU after init_timer(), init_vmm(),
// init_pcid() and the scheduler's install_cpu_local(), before any user
// process starts. Runs with interrupts off.
void start_application_processors(const acpi::MadtInfo* madt);

// The number of CPUs online, the boot CPU included (1 before and without
// start_application_processors()).
unsigned cpu_count();

// CPU `index`'s entry area (0: the boot CPU; then in start order), nullptr
// if no such CPU is online. Each AP's area is its own heap allocation, never
// freed.
CpuEntryArea* cpu_entry_area(unsigned index);

// What an AP runs once it is set up, with its index (1..cpu_count()-1), on
// its own kernel stack with interrupts off. It should never return (if it
// does the AP halts). nullptr (the default): halt with interrupts off
// forever. Each AP reads the hook once, when it comes online: set it before
// start_application_processors().
using ApIdleHook = void (*)(unsigned cpu);
void set_ap_idle_hook(ApIdleHook hook);

}  // namespace nyanos::arch
