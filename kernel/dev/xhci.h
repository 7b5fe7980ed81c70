// The xHCI USB host controller driver (xHCI 1.2), for what a person at a
// machine without PS/2 needs: boot-protocol keyboards on the root ports.
// The descriptor parsing, the rings' bookkeeping and the keyboard's report
// handling are portable (kernel/usb); this file drives the registers.
//
// The controller is polled: boot enumerates the devices already plugged in,
// synchronously; afterwards poll() (from the boot CPU's timer tick) reads
// the event ring, turns keyboard reports into console input (the same bytes
// the PS/2 keyboard gives) and runs key repeat. A controller or device that
// does not answer within its timeout is given up with a message, and boot
// goes on.
#pragma once

#include <stdint.h>

namespace nyanos::xhci {

// Takes over the controller whose registers are at `mmio` (mapped
// uncached) and attaches the boot keyboards on its root ports. False when
// the controller does not come up (the reason is printed).
bool init(volatile uint8_t* mmio);

// Reads the controllers' events and runs key repeat. From the timer
// interrupt on one CPU; does nothing before init().
void poll();

}  // namespace nyanos::xhci
