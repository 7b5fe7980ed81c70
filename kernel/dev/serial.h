// COM1, 115200 8N1, polled output, interrupt-driven input (see
// console_input). Real machines often have no COM1: init()
// detects that (scratch and loopback tests) and every call is then a no-op.
#pragma once

#include <stddef.h>

namespace nyanos::serial {

// Returns true if a UART answered at COM1.
bool init();
bool present();
void write(const char* text, size_t length);

// Makes the UART raise its interrupt (IRQ 4) whenever a byte arrives, one
// byte at a time (FIFO trigger level 1). No-op without a UART.
void enable_receive_interrupt();
// Takes one received byte if the UART holds one; false otherwise (and
// always without a UART). Safe in interrupt context.
bool try_read(char& c);

}  // namespace nyanos::serial
