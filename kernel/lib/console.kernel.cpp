#include "lib/console.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "lib/format.h"
#include "lib/log_ring.h"
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

// The kernel log and the console level, under the output lock (taken by
// OutputGuard, which the analysis cannot follow: hence the functions below
// that are marked NO_THREAD_SAFETY_ANALYSIS).
char g_log_storage[kLogCapacity];
LogRing g_log GUARDED_BY(g_output_lock){g_log_storage, kLogCapacity};
bool g_log_at_line_start GUARDED_BY(g_output_lock) = true;
uint64_t (*g_log_clock)() = nullptr;
constexpr int kMessageLevel = 6;  // KERN_INFO
constexpr int kDefaultConsoleLevel = 7, kMinimumConsoleLevel = 1;
int g_console_level GUARDED_BY(g_output_lock) = kDefaultConsoleLevel;
// What console_off found, for console_on (0: nothing saved).
int g_saved_console_level GUARDED_BY(g_output_lock) = 0;

// Appends kprintf's text to the log, each line with its prefix.
void log_text(const char* text, size_t length) NO_THREAD_SAFETY_ANALYSIS {
    while (length) {
        if (g_log_at_line_start) {
            uint64_t ns = g_log_clock ? g_log_clock() : 0;
            char prefix[40];
            size_t n = format(prefix, sizeof(prefix), "<%d>[%5lu.%06lu] ", kMessageLevel,
                              ns / 1'000'000'000, ns / 1'000 % 1'000'000);
            g_log.append(prefix, n);
            g_log_at_line_start = false;
        }
        size_t line = 0;
        while (line < length && text[line] != '\n') ++line;
        if (line < length) {
            ++line;  // the newline ends this record
            g_log_at_line_start = true;
        }
        g_log.append(text, line);
        text += line;
        length -= line;
    }
}

bool console_shows_messages() NO_THREAD_SAFETY_ANALYSIS {
    return kMessageLevel < g_console_level;
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

void set_log_clock(uint64_t (*now_ns)()) {
    OutputGuard guard;
    g_log_clock = now_ns;
}

size_t log_copy_recent(char* out, size_t size, bool clear) NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    size_t n = g_log.copy_recent(out, size);
    if (clear) g_log.clear();
    return n;
}

size_t log_unread() NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    return g_log.unread();
}

size_t log_read(char* out, size_t size) NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    return g_log.read_unread(out, size);
}

void log_clear() NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    g_log.clear();
}

void set_console_level(int level) NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    g_console_level = level < kMinimumConsoleLevel ? kMinimumConsoleLevel : level;
    g_saved_console_level = 0;  // a level set explicitly turns the console back on
}

void console_off() NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    if (!g_saved_console_level) g_saved_console_level = g_console_level;
    g_console_level = kMinimumConsoleLevel;
}

void console_on() NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    if (g_saved_console_level) g_console_level = g_saved_console_level;
    g_saved_console_level = 0;
}

void verbose() NO_THREAD_SAFETY_ANALYSIS {
    OutputGuard guard;
    g_console_level = 15;
}

}  // namespace nyanos::console

namespace nyanos {

namespace {
void console_sink(void* shows, const char* chunk, size_t length) {
    console::log_text(chunk, length);
    if (shows) console::write_unlocked(chunk, length);
}
}  // namespace

void kprintf(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    console::OutputGuard guard;  // the whole message at once
    void* shows = console::console_shows_messages() ? &guard : nullptr;
    vformat_to(console_sink, shows, fmt, args);
    va_end(args);
}

}  // namespace nyanos
