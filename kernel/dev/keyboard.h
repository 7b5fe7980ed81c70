// The PS/2 keyboard behind the i8042 controller. Real machines without a
// legacy controller read 0xff from its ports: init() then reports false and
// the keyboard is simply absent.
#pragma once

#include <stddef.h>

#include "lib/scancode.h"

namespace nyanos::keyboard {

// Finds the controller and sets it up for console input: keyboard port
// enabled, its interrupt (IRQ 1) on, translation to scan code set 1 on.
// Leaves the keyboard itself as the firmware configured it. Does not unmask
// the IRQ (console_input does). False when there is no controller.
bool init();
bool present();

// For the IRQ 1 handler: reads the byte the controller holds and decodes it;
// writes the bytes the key produces to `out` and returns their number.
size_t read_irq(char out[ScancodeDecoder::kMaxOutput]);

}  // namespace nyanos::keyboard
