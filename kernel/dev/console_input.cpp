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

ByteRing<kBufferSize> g_ring;
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

void on_keyboard_irq() {
    char bytes[ScancodeDecoder::kMaxOutput];
    size_t n = keyboard::read_irq(bytes);
    for (size_t i = 0; i < n; ++i) push(bytes[i]);
}

void on_com1_irq() {
    // Drain the FIFO: one interrupt may stand for several bytes.
    char c;
    for (int i = 0; i < 64 && serial::try_read(c); ++i) push(c);
}

}  // namespace

void push(char c) {
    // Ctrl-C that kills the foreground process is consumed: the shell that
    // reads next must not see it (as with a Unix terminal's ISIG).
    InterruptHook interrupt;
    SignalCharacterHook terminal;
    {
        Locker lock;
        interrupt = g_interrupt;
        terminal = g_terminal;
    }
    if (terminal && terminal(c)) return;
    if (c == kCtrlC && interrupt && interrupt()) return;
    Hook data_available;
    {
        Locker lock;
        if (!g_ring.push(uint8_t(c))) ++g_dropped;
        data_available = g_data_available;
    }
    if (data_available) data_available();
}

bool try_pop(char& c) {
    Locker lock;
    uint8_t b;
    if (!g_ring.pop(b)) return false;
    c = char(b);
    return true;
}

size_t read_available(char* out, size_t capacity) {
    Locker lock;
    size_t n = 0;
    uint8_t b;
    while (n < capacity && g_ring.pop(b)) out[n++] = char(b);
    return n;
}

bool empty() {
    Locker lock;
    return g_ring.empty();
}

size_t available() {
    Locker lock;
    return g_ring.size();
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
