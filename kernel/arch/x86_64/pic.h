// The legacy 8259 pair. Always remapped (IRQ n -> kIrqVectorBase + n) and
// masked at init_cpu(); used for IRQ routing only when there is no IOAPIC.
#pragma once

#include <stdint.h>

namespace nyanos::arch::pic {

void remap_and_mask_all();
void unmask(unsigned irq);
void mask(unsigned irq);
void send_eoi(unsigned irq);
// A spurious IRQ 7 or 15 (the in-service bit is clear): must not get an EOI
// on its own chip (IRQ 15 still needs one on the master, for the cascade).
bool is_spurious(unsigned irq);

}  // namespace nyanos::arch::pic
