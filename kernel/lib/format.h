// A small printf-style formatter, portable (kernel and host tests).
// Supports %d %i %u %x %X %p %s %c %% with the l/ll/z length modifiers, a
// field width and the '0' and '-' flags. Output is truncated to fit; the
// buffer is always NUL terminated when size > 0.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace nyanos {

// Returns the number of characters that the full output needs (like
// vsnprintf), which may exceed size - 1.
size_t vformat(char* buf, size_t size, const char* fmt, va_list args);
size_t format(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// Streams the output to `sink(ctx, chunk, length)` in pieces, for consoles.
using FormatSink = void (*)(void* ctx, const char* chunk, size_t length);
void vformat_to(FormatSink sink, void* ctx, const char* fmt, va_list args);

}  // namespace nyanos
