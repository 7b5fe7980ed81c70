// The kernel console: everything printed goes to each registered sink
// (serial, the framebuffer text console). Output before any sink exists is
// dropped. It lives in lib, below every other layer, because all of them
// print (arch's fault reports included); the devices register their sinks
// from above, so printing never depends on a driver.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::console {

using Sink = void (*)(const char* text, size_t length);

// Registers a sink; at most kMaxSinks. Returns false when full.
bool add_sink(Sink sink);
inline constexpr size_t kMaxSinks = 4;

void write(const char* text, size_t length);
// Writes to one sink only (a terminal of one device), keeping the message
// together as write() does.
void write_to(Sink sink, const char* text, size_t length);

// The kernel log: every line kprintf prints is kept (the newest 64 KiB),
// prefixed as Linux's syslog(2) shows its records: "<6>[seconds.micros] "
// (all of them at KERN_INFO). `now_ns` gives the time since boot for the
// prefixes (0 until it is set).
void set_log_clock(uint64_t (*now_ns)());
inline constexpr size_t kLogCapacity = 64 * 1024;
// The newest whole lines that fit in `size` bytes since the last clear
// (syslog READ_ALL); the bytes copied. `clear` clears afterwards.
size_t log_copy_recent(char* out, size_t size, bool clear);
// Bytes not consumed yet by log_read, and a read that consumes them
// (syslog READ).
size_t log_unread();
size_t log_read(char* out, size_t size);
void log_clear();

// The console log level (syslog CONSOLE_LEVEL, 1..8; 7 at boot): kernel
// messages reach the console devices only while their level (KERN_INFO, 6)
// is below it; the log keeps them whatever it is. `set_console_level`
// takes an already checked level; `console_off` lowers it to 1 and
// `console_on` brings back the level console_off found. `verbose` shows
// everything from now on (a panic).
void set_console_level(int level);
void console_off();
void console_on();
void verbose();

}  // namespace nyanos::console

namespace nyanos {
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
}
