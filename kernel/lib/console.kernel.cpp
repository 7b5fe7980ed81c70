#include "lib/console.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "lib/format.h"
#include "sync/spinlock.h"

namespace nyanos::console {
namespace {
Sink g_sinks[kMaxSinks];
size_t g_sink_count = 0;

// Keeps one CPU's message together: without it two CPUs printing at once
// interleave byte by byte. Bounded, so output still gets out when the
// holder is stuck (a panic on another CPU), and re-entrant on the holding
// CPU (a fault report while this CPU was printing): a report is worth more
// than tidy lines.
sync::SpinLock g_output_lock;
constexpr uint64_t kOutputLockSpins = 50'000'000;

class OutputGuard {
public:
    OutputGuard() {
        m_were_enabled = arch::read_rflags() & arch::kRflagsInterrupt;
        asm volatile("cli" ::: "memory");
        if (g_output_lock.held_here()) return;
        for (uint64_t spins = 0; spins < kOutputLockSpins; ++spins) {
            if (g_output_lock.try_lock()) {
                m_locked = true;
                return;
            }
            __builtin_ia32_pause();
        }
    }
    ~OutputGuard() NO_THREAD_SAFETY_ANALYSIS {
        // Unlocked only if this guard took it (see the constructor).
        if (m_locked) g_output_lock.unlock();
        if (m_were_enabled) asm volatile("sti" ::: "memory");
    }
    OutputGuard(const OutputGuard&) = delete;
    OutputGuard& operator=(const OutputGuard&) = delete;

private:
    bool m_were_enabled = false;
    bool m_locked = false;
};

void write_unlocked(const char* text, size_t length) {
    for (size_t i = 0; i < g_sink_count; ++i) g_sinks[i](text, length);
}
}  // namespace

bool add_sink(Sink sink) {
    if (g_sink_count == kMaxSinks) return false;
    g_sinks[g_sink_count++] = sink;
    return true;
}

void write(const char* text, size_t length) {
    OutputGuard guard;
    write_unlocked(text, length);
}

void write_to(Sink sink, const char* text, size_t length) {
    OutputGuard guard;
    sink(text, length);
}

}  // namespace nyanos::console

namespace nyanos {

namespace {
void console_sink(void*, const char* chunk, size_t length) {
    console::write_unlocked(chunk, length);
}
}  // namespace

void kprintf(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    console::OutputGuard guard;  // the whole message at once
    vformat_to(console_sink, nullptr, fmt, args);
    va_end(args);
}

}  // namespace nyanos
