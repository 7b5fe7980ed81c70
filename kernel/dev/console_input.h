// Console input: one FIFO of bytes fed by the PS/2 keyboard (IRQ 1) and by
// COM1 (IRQ 4), read by the syscall layer for fd 0. Bytes arrive as a
// terminal in raw mode sends them: '\r' for Enter, 0x7f for Backspace, 0x03
// for Ctrl-C, ESC sequences for the arrows (see lib/scancode.h). Nothing is
// echoed or edited here: the shell does its own line editing.
#pragma once

#include <stddef.h>

namespace nyanos::console_input {

inline constexpr size_t kBufferSize = 1024;

// Registers the keyboard and COM1 receive handlers and unmasks their IRQs
// (each only when the device answered). Call once from kernel_main after
// the interrupt controller is set up.
void init_console_input();

// Appends one byte (from an IRQ handler, or anything else); drops it when the
// buffer is full. A 0x03 first goes to the interrupt hook, which may consume
// it; then the data-available hook runs. Safe in interrupt context and on
// any CPU.
void push(char c);

// Takes the oldest byte; false when there is none. Safe anywhere.
bool try_pop(char& c);
// Copies up to `capacity` available bytes into `out`; returns how many
// (0 when the buffer is empty). Never blocks.
size_t read_available(char* out, size_t capacity);
bool empty();
// How many bytes are waiting (FIONREAD).
size_t available();

// Hooks for the process layer, each run in interrupt context, with
// interrupts off and no console_input lock held (they may call try_pop).
// `data_available` runs after every push: it should wake a reader blocked
// on fd 0. `interrupt` runs when Ctrl-C (0x03) arrives, before it is
// queued: it may signal the foreground process and returns true if it did,
// and the byte is then dropped; false queues it like any byte. nullptr
// removes a hook.
using Hook = void (*)();
using InterruptHook = bool (*)();
void set_data_available_hook(Hook hook);
void set_interrupt_hook(InterruptHook hook);
// Runs first for every byte, in interrupt context like the others: the
// terminal's signal characters (^C, ^\, ^Z with ISIG, when a session has
// the console as its controlling terminal). True consumes the byte (it
// sent the signal); false passes it on to the interrupt hook and the ring.
using SignalCharacterHook = bool (*)(char c);
void set_signal_character_hook(SignalCharacterHook hook);

// Bytes dropped because the buffer was full, since boot.
size_t dropped();

}  // namespace nyanos::console_input

namespace nyanos {
using console_input::init_console_input;
}
