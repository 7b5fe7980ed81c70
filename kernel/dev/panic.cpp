#include "lib/panic.h"

#include <stdarg.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/symbols.h"
#include "dev/power.h"
#include "lib/console.h"
#include "lib/format.h"

namespace nyanos {

namespace {
void console_sink(void*, const char* chunk, size_t length) {
    console::write(chunk, length);
}
bool g_panicking = false;
}  // namespace

void panic(const char* fmt, ...) {
    arch::disable_interrupts();
    if (!g_panicking) {
        g_panicking = true;
        console::verbose();  // whatever level a program set, a panic shows
        // The contract: the first line printed is `PANIC: <reason>`.
        kprintf("\nPANIC: ");
        va_list args;
        va_start(args, fmt);
        vformat_to(console_sink, nullptr, fmt, args);
        va_end(args);
        kprintf("\n");
        arch::print_backtrace_here();
    }
    stop_after_panic_report();
}

void stop_after_panic_report() {
    power::qemu_debug_exit(127);
    arch::halt_forever();
}

}  // namespace nyanos
