#include "dev/console_input.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "dev/keyboard.h"
#include "dev/serial.h"
#include "lib/byte_ring.h"
#include "lib/console.h"

namespace nyanos::console_input {
namespace {

constexpr char kCtrlC = 0x03;
constexpr size_t kSources = 2;

ByteRing<kBufferSize> g_rings[kSources];
uint32_t g_claims[kSources] = {};  // open readers of tty0, ttyS0
size_t g_dropped = 0;
Hook g_data_available = nullptr;
InterruptHook g_interrupt = nullptr;
SignalCharacterHook g_terminal = nullptr;
bool g_lock = false;

// Interrupts off (an IRQ on this CPU must not spin on a lock its own
// interrupted code holds) plus a spin lock (another CPU may be reading).
class Locker {
public:
    Locker() {
        while (__atomic_test_and_set(&g_lock, __ATOMIC_ACQUIRE)) asm volatile("pause");
    }
    ~Locker() { __atomic_clear(&g_lock, __ATOMIC_RELEASE); }
    Locker(const Locker&) = delete;
    Locker& operator=(const Locker&) = delete;

private:
    arch::InterruptDisabler m_no_interrupts;  // constructed first, released last
};

// A source's own terminal, and a terminal's source (the console has none).
Reader own_reader(size_t source) {
    return source == size_t(Source::kKeyboard) ? Reader::kTty0 : Reader::kTtyS0;
}
size_t source_of(Reader reader) {
    return reader == Reader::kTty0 ? size_t(Source::kKeyboard) : size_t(Source::kSerial);
}

// Who reads `source` now (the caller holds the Locker).
Reader route(size_t source) {
    return g_claims[source] ? own_reader(source) : Reader::kConsole;
}

void on_keyboard_irq() {
    char bytes[ScancodeDecoder::kMaxOutput];
    size_t n = keyboard::read_irq(bytes);
    for (size_t i = 0; i < n; ++i) push(Source::kKeyboard, bytes[i]);
}

void on_com1_irq() {
    // Drain the FIFO: one interrupt may stand for several bytes.
    char c;
    for (int i = 0; i < 64 && serial::try_read(c); ++i) push(Source::kSerial, c);
}

}  // namespace

void push(Source source, char c) {
    // Ctrl-C that kills the console's foreground process is consumed: the
    // shell that reads next must not see it (as with a Unix terminal's
    // ISIG).
    InterruptHook interrupt;
    SignalCharacterHook terminal;
    Reader reader;
    {
        Locker lock;
        interrupt = g_interrupt;
        terminal = g_terminal;
        reader = route(size_t(source));
    }
    if (terminal && terminal(reader, c)) return;
    if (c == kCtrlC && reader == Reader::kConsole && interrupt && interrupt()) return;
    Hook data_available;
    {
        Locker lock;
        if (!g_rings[size_t(source)].push(uint8_t(c))) ++g_dropped;
        data_available = g_data_available;
    }
    if (data_available) data_available();
}

void claim(Reader reader) {
    if (reader == Reader::kConsole) return;
    Locker lock;
    ++g_claims[source_of(reader)];
}

void release(Reader reader) {
    if (reader == Reader::kConsole) return;
    Hook data_available;
    {
        Locker lock;
        --g_claims[source_of(reader)];
        data_available = g_data_available;
    }
    // Bytes already queued now go to the console: its readers look again.
    if (data_available) data_available();
}

bool try_pop(Reader reader, char& c) {
    return read_available(reader, &c, 1) == 1;
}

size_t read_available(Reader reader, char* out, size_t capacity) {
    Locker lock;
    size_t n = 0;
    uint8_t b;
    for (size_t s = 0; s < kSources; ++s) {
        if (route(s) != reader) continue;
        while (n < capacity && g_rings[s].pop(b)) out[n++] = char(b);
    }
    return n;
}

bool empty(Reader reader) {
    return available(reader) == 0;
}

size_t available(Reader reader) {
    Locker lock;
    size_t n = 0;
    for (size_t s = 0; s < kSources; ++s)
        if (route(s) == reader) n += g_rings[s].size();
    return n;
}

void set_data_available_hook(Hook hook) {
    Locker lock;
    g_data_available = hook;
}

void set_interrupt_hook(InterruptHook hook) {
    Locker lock;
    g_interrupt = hook;
}

void set_signal_character_hook(SignalCharacterHook hook) {
    Locker lock;
    g_terminal = hook;
}

size_t dropped() {
    Locker lock;
    return g_dropped;
}

void init_console_input() {
    bool have_keyboard = keyboard::init();
    if (have_keyboard) {
        arch::set_irq_handler(arch::kIrqKeyboard, on_keyboard_irq);
        arch::unmask_irq(arch::kIrqKeyboard);
    }
    bool have_serial = serial::present();
    if (have_serial) {
        arch::set_irq_handler(arch::kIrqCom1, on_com1_irq);
        arch::unmask_irq(arch::kIrqCom1);
        serial::enable_receive_interrupt();
    }
    kprintf("console: input from %s%s%s\n", have_keyboard ? "ps2-keyboard" : "",
            have_keyboard && have_serial ? " and " : "",
            have_serial ? "com1" : (have_keyboard ? "" : "nothing"));
}

}  // namespace nyanos::console_input
