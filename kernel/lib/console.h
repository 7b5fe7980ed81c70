// The kernel console: everything printed goes to each registered sink
// (serial, the framebuffer text console). Output before any sink exists is
// dropped. It lives in lib, below every other layer, because all of them
// print (arch's fault reports included); the devices register their sinks
// from above, so printing never depends on a driver.
#pragma once

#include <stddef.h>

namespace nyanos::console {

using Sink = void (*)(const char* text, size_t length);

// Registers a sink; at most kMaxSinks. Returns false when full.
bool add_sink(Sink sink);
inline constexpr size_t kMaxSinks = 4;

void write(const char* text, size_t length);
// Writes to one sink only (a terminal of one device), keeping the message
// together as write() does.
void write_to(Sink sink, const char* text, size_t length);

}  // namespace nyanos::console

namespace nyanos {
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
}
