// PS/2 keyboard decoding, portable: turns the bytes the keyboard controller
// delivers (scan code set 1, which the i8042 produces by translation) into
// the bytes a terminal in raw mode would send, so the shell sees the same
// input from the keyboard as from a serial terminal:
//   Enter -> '\r', Backspace -> 0x7f, Tab -> '\t', Esc -> 0x1b,
//   Ctrl+letter -> 0x01..0x1a (Ctrl-C = 0x03), Ctrl+[ \ ] -> 0x1b 0x1c 0x1d,
//   arrows -> ESC [ A/B/C/D, Home/End -> ESC [ H/F,
//   Insert/Delete/PgUp/PgDn -> ESC [ 2~ / 3~ / 5~ / 6~.
// Shift and Caps Lock (letters only; Shift undoes it) select the US layout's
// upper row; Num Lock (on at start) chooses digits or navigation on the
// keypad. Function keys, Alt, the Windows keys and Pause produce nothing.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

class ScancodeDecoder {
public:
    static constexpr size_t kMaxOutput = 4;

    // Feeds one byte read from the controller. Writes what the key produces
    // to `out` and returns how many bytes that is (0 for releases, modifiers,
    // prefixes and keys that produce nothing).
    size_t feed(uint8_t code, char out[kMaxOutput]);

    bool shift() const { return m_left_shift || m_right_shift; }
    bool ctrl() const { return m_left_ctrl || m_right_ctrl; }
    bool alt() const { return m_left_alt || m_right_alt; }
    bool caps_lock() const { return m_caps_lock; }
    bool num_lock() const { return m_num_lock; }

private:
    size_t plain_key(uint8_t make, char out[kMaxOutput]);
    size_t extended_key(uint8_t make, char out[kMaxOutput]);
    size_t keypad_key(uint8_t make, char out[kMaxOutput]);

    bool m_extended = false;  // the previous byte was the 0xE0 prefix
    uint8_t m_skip = 0;       // bytes left of a Pause (0xE1) sequence
    bool m_left_shift = false, m_right_shift = false;
    bool m_left_ctrl = false, m_right_ctrl = false;
    bool m_left_alt = false, m_right_alt = false;
    bool m_caps_lock = false;
    bool m_num_lock = true;
};

}  // namespace nyanos
