// Console input: the bytes typed on the keyboards (PS/2, IRQ 1) and received
// on COM1 (IRQ 4), each source in its own FIFO, and which terminal reads
// each source. Bytes arrive as a terminal in raw mode sends them: '\r' for
// Enter, 0x7f for Backspace, 0x03 for Ctrl-C, ESC sequences for the arrows
// (see lib/key_translator.h). Nothing is echoed or edited here: the terminals
// above (fs/terminal.h) do that.
//
// Routing, as the two terminals a Linux machine has: the keyboards are
// tty0's and COM1 is ttyS0's, but while nobody has that terminal open for
// reading its source feeds the console (/dev/console, which reads both), so
// that one shell on the console answers a person at either.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::console_input {

inline constexpr size_t kBufferSize = 1024;  // per source

// Where bytes come from.
enum class Source : uint8_t { kKeyboard, kSerial };
// Who reads them: the console, or one source's own terminal.
enum class Reader : uint8_t { kConsole, kTty0, kTtyS0 };

// Registers the keyboard and COM1 receive handlers and unmasks their IRQs
// (each only when the device answered). Call once from kernel_main after
// the interrupt controller is set up.
void init_console_input();

// Appends one byte from `source` (from an IRQ handler, or anything else);
// drops it when that source's buffer is full. The signal-character hook
// sees it first and may consume it; then, if it went to the console, a
// 0x03 goes to the interrupt hook, which may consume it; then the
// data-available hook runs. Safe in interrupt context and on any CPU.
void push(Source source, char c);

// tty0 and ttyS0 claim their source while open for reading (counted: one
// claim per open description); kConsole is never claimed.
void claim(Reader reader);
void release(Reader reader);

// Takes the oldest byte of a source `reader` reads now; false when there
// is none. Safe anywhere.
bool try_pop(Reader reader, char& c);
// Copies up to `capacity` available bytes `reader` reads into `out`;
// returns how many (0 when there are none). Never blocks.
size_t read_available(Reader reader, char* out, size_t capacity);
bool empty(Reader reader);
// How many bytes `reader` could take (FIONREAD).
size_t available(Reader reader);

// Hooks for the layers above, each run in interrupt context, with
// interrupts off and no console_input lock held (they may call try_pop).
// `data_available` runs after every push: it should wake a reader blocked
// on a terminal. `interrupt` runs when Ctrl-C (0x03) arrives for the
// console, before it is queued: it may signal the foreground process and
// returns true if it did, and the byte is then dropped; false queues it
// like any byte. nullptr removes a hook.
using Hook = void (*)();
using InterruptHook = bool (*)();
void set_data_available_hook(Hook hook);
void set_interrupt_hook(InterruptHook hook);
// Runs first for every byte, with the reader it is routed to: the
// terminal's signal characters (^C, ^\, ^Z with ISIG). True consumes the
// byte (it sent the signal); false passes it on.
using SignalCharacterHook = bool (*)(Reader reader, char c);
void set_signal_character_hook(SignalCharacterHook hook);

// Bytes dropped because a buffer was full, since boot.
size_t dropped();

}  // namespace nyanos::console_input

namespace nyanos {
using console_input::init_console_input;
}
