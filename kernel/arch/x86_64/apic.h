// The local APIC (timer, end of interrupt) and the IOAPIC (ISA IRQ routing).
// Internal to kernel/arch/x86_64: other layers use interrupts.h and timer.h.
#pragma once

#include <stdint.h>

#include "lib/acpi_madt.h"

namespace nyanos::arch::apic {

// Maps (through `map_device`, which returns an uncached mapping of device
// registers or nullptr) and enables this CPU's LAPIC (spurious vector 255,
// error vector 254, every LVT masked) and, if `madt` names an IOAPIC, maps
// it and masks all its inputs. Returns false if the LAPIC cannot be mapped.
bool init(const acpi::MadtInfo& madt, void* (*map_device)(uint64_t phys, uint64_t size));

// Enables the calling application processor's LAPIC the way init() set up
// the boot CPU's (same physical base, every LVT masked but LINT1, so no
// timer). After init(), on that processor, interrupts off.
void init_application_processor();

// Starting an application processor (Intel SDM vol. 3, 8.4.4): an INIT IPI
// puts it into wait-for-SIPI, and a STARTUP IPI starts it in real mode at
// `page` << 12 (page 0x01..0x9f). Both return false if `apic_id` cannot be
// addressed (above 0xfe: xAPIC mode) or the LAPIC did not accept the IPI
// within 100 ms. After init_timer() (delays on the TSC).
bool send_init_ipi(uint32_t apic_id);
bool send_startup_ipi(uint32_t apic_id, uint8_t page);

// A fixed-delivery IPI with `vector` to one CPU, or to every CPU but the
// caller. Panics if the LAPIC does not take it within 100 ms (a broken
// machine: the caller could not go on safely).
void send_fixed_ipi(uint32_t apic_id, uint8_t vector);
void send_fixed_ipi_to_others(uint8_t vector);

bool has_ioapic();
// Routes ISA IRQ `irq` to `vector` on this CPU, using the MADT's override
// (GSI, polarity, trigger), masked or not.
void ioapic_route(unsigned irq, uint8_t vector, bool masked);

// With no IOAPIC the 8259s deliver through LINT0 in ExtINT mode.
void enable_legacy_pic_delivery();

void send_eoi();
uint32_t id();

// The LAPIC timer counts down from an initial count at bus clock / 16.
void timer_stop();
void timer_start_one_shot(uint32_t count);
void timer_start_periodic(uint32_t count, uint8_t vector);
uint32_t timer_current();

}  // namespace nyanos::arch::apic
