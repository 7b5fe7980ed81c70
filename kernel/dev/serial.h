// COM1, 115200 8N1, polled output. Real machines often have no COM1: init()
// detects that (scratch and loopback tests) and every call is then a no-op.
#pragma once

#include <stddef.h>

namespace nyanos::serial {

// Returns true if a UART answered at COM1.
bool init();
bool present();
void write(const char* text, size_t length);

}  // namespace nyanos::serial
