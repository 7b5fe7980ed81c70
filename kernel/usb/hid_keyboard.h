// A USB boot-protocol keyboard as console input: turns the reports its
// interrupt-IN endpoint delivers into the bytes the PS/2 keyboard would give
// for the same keys (lib/key_translator.h), repeats the last held key in
// software (the device does not), and says when the lock LEDs must change.
// Portable and unlocked: the driver owns one per keyboard and feeds it from
// one context (its transfer-event handler and its repeat timer).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/key_repeat.h"
#include "lib/key_translator.h"
#include "nyanos/lib/result.h"
#include "usb/boot_keyboard_report.h"

namespace nyanos::usb {

// Bits of the boot keyboard's one-byte output report (HID 1.11, B.1).
namespace keyboard_led {
inline constexpr uint8_t kNumLock = 0x01, kCapsLock = 0x02, kScrollLock = 0x04;
}

class HidKeyboard {
public:
    // The most one report can produce: six keys pressed at once.
    static constexpr size_t kMaxReportBytes = kBootKeyboardKeySlots * kMaxKeyBytes;

    struct Output {
        char bytes[kMaxReportBytes];
        size_t size = 0;
        // A lock key toggled: send led_report() to the keyboard (a
        // SET_REPORT control request, report type Output, ID 0).
        bool leds_changed = false;
    };

    // Feeds one report that arrived at `now_ns` (the monotonic clock).
    // kCorrupt for a short report, which changes nothing: the caller logs
    // it and keeps listening.
    Result<Output> feed_report(const uint8_t* data, size_t size, uint64_t now_ns);

    // The bytes of a key repeat due at `now_ns`, written to `out`; 0 when
    // none is due. Call from a periodic timer, or at repeat().next_due_ns().
    size_t poll_repeat(uint64_t now_ns, char out[kMaxKeyBytes]);

    // The output report byte for the current lock state. Send it once when
    // the keyboard is configured (Num Lock starts on) and after each change.
    uint8_t led_report() const;

    // The keyboard went away: forget the held keys and stop the repeat
    // (a key held at unplug must not repeat forever). The locks persist, as
    // they would for a person who plugs the keyboard back in.
    void reset();

    const KeyTranslator& keys() const { return m_keys; }
    const KeyRepeat& repeat() const { return m_repeat; }

private:
    KeyTranslator m_keys;
    KeyRepeat m_repeat;
    // The last report whose keys were known: what is held now.
    BootKeyboardReport m_held;
};

}  // namespace nyanos::usb
