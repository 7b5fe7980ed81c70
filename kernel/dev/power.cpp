#include "dev/power.h"

#include "arch/x86_64/io.h"
#include "dev/console.h"

namespace nyanos::power {

void qemu_debug_exit(uint32_t status) { arch::outl(0xf4, status); }

void power_off(uint32_t status) {
    arch::disable_interrupts();
    qemu_debug_exit(status);
    kprintf("power: no way to power off; halted. It is safe to turn the machine off.\n");
    arch::halt_forever();
}

}  // namespace nyanos::power
