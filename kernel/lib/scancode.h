// PS/2 keyboard decoding, portable: turns the bytes the keyboard controller
// delivers (scan code set 1, which the i8042 produces by translation) into
// key presses and releases named by USB HID usage, and hands them to a
// KeyTranslator (lib/key_translator.h), which decides the bytes the shell
// sees: the same ones a USB keyboard produces.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/key_translator.h"

namespace nyanos {

class ScancodeDecoder {
public:
    static constexpr size_t kMaxOutput = kMaxKeyBytes;

    // Feeds one byte read from the controller. Writes what the key produces
    // to `out` and returns how many bytes that is (0 for releases, modifiers,
    // prefixes and keys that produce nothing).
    size_t feed(uint8_t code, char out[kMaxOutput]);

    bool shift() const { return m_keys.shift(); }
    bool ctrl() const { return m_keys.ctrl(); }
    bool alt() const { return m_keys.alt(); }
    bool caps_lock() const { return m_keys.caps_lock(); }
    bool num_lock() const { return m_keys.num_lock(); }

private:
    bool m_extended = false;  // the previous byte was the 0xE0 prefix
    uint8_t m_skip = 0;       // bytes left of a Pause (0xE1) sequence
    KeyTranslator m_keys;
};

}  // namespace nyanos
