// What a key means, shared by every keyboard: the PS/2 decoder and the USB
// HID keyboard both name keys by their USB HID usage ID (the Keyboard/Keypad
// page, 0x07), so the bytes a key produces are decided in one place.
//
// The bytes are those a terminal in raw mode sends, so the shell sees the
// same input from any keyboard as from a serial terminal:
//   Enter -> '\r', Backspace -> 0x7f, Tab -> '\t', Esc -> 0x1b,
//   Ctrl+letter -> 0x01..0x1a (Ctrl-C = 0x03), Ctrl+[ \ ] -> 0x1b 0x1c 0x1d,
//   arrows -> ESC [ A/B/C/D, Home/End -> ESC [ H/F,
//   Insert/Delete/PgUp/PgDn -> ESC [ 2~ / 3~ / 5~ / 6~.
// Shift and Caps Lock (letters only; Shift undoes it) select the US layout's
// upper row; Num Lock (on at start) chooses digits or navigation on the
// keypad. Function keys, Alt, the GUI keys, Print Screen and Pause produce
// nothing.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

// USB HID usage IDs (HID Usage Tables, Keyboard/Keypad page) of the keys the
// translator gives a meaning to beyond their table entry.
namespace key_usage {
inline constexpr uint8_t kA = 0x04, kZ = 0x1d;
inline constexpr uint8_t kEnter = 0x28, kEscape = 0x29, kBackspace = 0x2a, kTab = 0x2b;
inline constexpr uint8_t kCapsLock = 0x39, kF1 = 0x3a, kF12 = 0x45;
inline constexpr uint8_t kScrollLock = 0x47;
inline constexpr uint8_t kInsert = 0x49, kHome = 0x4a, kPageUp = 0x4b, kDelete = 0x4c, kEnd = 0x4d,
                         kPageDown = 0x4e;
inline constexpr uint8_t kRight = 0x4f, kLeft = 0x50, kDown = 0x51, kUp = 0x52;
inline constexpr uint8_t kNumLock = 0x53;
inline constexpr uint8_t kKeypadSlash = 0x54, kKeypadStar = 0x55, kKeypadMinus = 0x56,
                         kKeypadPlus = 0x57, kKeypadEnter = 0x58, kKeypad1 = 0x59, kKeypad5 = 0x5d,
                         kKeypadDot = 0x63;
// The eight modifiers, in the bit order of a HID boot report's modifier byte.
inline constexpr uint8_t kLeftCtrl = 0xe0, kLeftShift = 0xe1, kLeftAlt = 0xe2, kLeftGui = 0xe3,
                         kRightCtrl = 0xe4, kRightShift = 0xe5, kRightAlt = 0xe6, kRightGui = 0xe7;
}  // namespace key_usage

// The longest byte sequence one key press produces ("ESC [ 5 ~").
inline constexpr size_t kMaxKeyBytes = 4;

constexpr bool is_modifier_usage(uint8_t usage) {
    return usage >= key_usage::kLeftCtrl && usage <= key_usage::kRightGui;
}
constexpr bool is_lock_usage(uint8_t usage) {
    return usage == key_usage::kCapsLock || usage == key_usage::kNumLock ||
           usage == key_usage::kScrollLock;
}

// Tracks the modifiers and locks of one keyboard and turns key presses into
// bytes. Portable and unlocked: each keyboard owns one and feeds it from one
// context.
class KeyTranslator {
public:
    // A key went down: updates modifiers and toggles a lock key, writes what
    // the key produces to `out` and returns how many bytes that is (0 for
    // modifiers, locks and keys that produce nothing).
    size_t press(uint8_t usage, char out[kMaxKeyBytes]);
    // A key went up: only modifiers care.
    void release(uint8_t usage);
    // What `usage` produces with the current modifiers and locks, changing no
    // state: for software key repeat, which re-sends a held key.
    size_t bytes_for(uint8_t usage, char out[kMaxKeyBytes]) const;

    bool shift() const {
        return m_modifiers & (bit(key_usage::kLeftShift) | bit(key_usage::kRightShift));
    }
    bool ctrl() const {
        return m_modifiers & (bit(key_usage::kLeftCtrl) | bit(key_usage::kRightCtrl));
    }
    bool alt() const {
        return m_modifiers & (bit(key_usage::kLeftAlt) | bit(key_usage::kRightAlt));
    }
    bool caps_lock() const { return m_caps_lock; }
    bool num_lock() const { return m_num_lock; }
    bool scroll_lock() const { return m_scroll_lock; }

private:
    static constexpr uint8_t bit(uint8_t modifier_usage) {
        return uint8_t(1u << (modifier_usage - key_usage::kLeftCtrl));
    }

    uint8_t m_modifiers = 0;  // bit i: modifier usage 0xe0 + i is held
    bool m_caps_lock = false;
    bool m_num_lock = true;  // as a PC's firmware leaves it
    bool m_scroll_lock = false;
};

}  // namespace nyanos
