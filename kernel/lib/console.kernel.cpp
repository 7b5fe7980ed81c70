#include "lib/console.h"

#include <stdarg.h>

#include "lib/format.h"

namespace nyanos::console {
namespace {
Sink g_sinks[kMaxSinks];
size_t g_sink_count = 0;
}  // namespace

bool add_sink(Sink sink) {
    if (g_sink_count == kMaxSinks) return false;
    g_sinks[g_sink_count++] = sink;
    return true;
}

void write(const char* text, size_t length) {
    for (size_t i = 0; i < g_sink_count; ++i) g_sinks[i](text, length);
}

}  // namespace nyanos::console

namespace nyanos {

namespace {
void console_sink(void*, const char* chunk, size_t length) {
    console::write(chunk, length);
}
}  // namespace

void kprintf(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vformat_to(console_sink, nullptr, fmt, args);
    va_end(args);
}

}  // namespace nyanos
