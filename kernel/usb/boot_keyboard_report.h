// The HID boot keyboard report (HID 1.11, appendix B.1) and what changed
// between two of them. A boot keyboard does not send key presses: each
// interrupt-IN report lists the modifiers and up to six keys held right now,
// so presses and releases are the difference from the previous report.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::usb {

inline constexpr size_t kBootKeyboardReportSize = 8;
inline constexpr size_t kBootKeyboardKeySlots = 6;

struct BootKeyboardReport {
    uint8_t modifiers = 0;                     // bit i: modifier usage 0xe0 + i is held
    uint8_t keys[kBootKeyboardKeySlots] = {};  // usages of the held keys; 0 = empty slot
    // True when the keyboard could not tell which keys are held (more than
    // it can report, or a ghosting pattern): its key slots carry
    // ErrorRollOver (or POSTFail, ErrorUndefined) instead of usages. The
    // modifier byte is still valid then.
    bool keys_unknown = false;
};

// Reads a report from an interrupt-IN transfer. A boot keyboard sends 8
// bytes (modifiers, a reserved byte, six key slots); longer transfers keep
// their first 8 (some keyboards pad). kCorrupt when fewer than 8 arrived.
Result<BootKeyboardReport> parse_boot_keyboard_report(const uint8_t* data, size_t size);

struct KeyEvent {
    uint8_t usage;
    bool pressed;  // false: released
};

// Eight modifiers plus six keys released and six pressed.
inline constexpr size_t kMaxKeyEvents = 8 + 2 * kBootKeyboardKeySlots;

// Writes the presses and releases that turn `previous` into `current` to
// `out` and returns their number. Releases come before presses, and
// modifier presses before key presses, so that a report which lets go of
// Shift and presses a letter gives the lower-case letter, and one that
// presses both gives the upper-case one. Keys are named once even if a
// report lists them twice; usages below 4 (no key, the error codes) and the
// modifier usages in key slots (the modifier byte is their truth) are not
// keys. When `current.keys_unknown`, only the modifiers change: the keys
// held stay as `previous` had them, as Linux's hid-input does.
// `previous` must have known keys: after a report with unknown keys, keep
// its modifiers with the earlier keys as the next `previous` (HidKeyboard does).
size_t diff_boot_keyboard_reports(const BootKeyboardReport& previous,
                                  const BootKeyboardReport& current, KeyEvent out[kMaxKeyEvents]);

}  // namespace nyanos::usb
