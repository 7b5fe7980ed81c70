#include "usb/hid_keyboard.h"

namespace nyanos::usb {

Result<HidKeyboard::Output> HidKeyboard::feed_report(const uint8_t* data, size_t size,
                                                     uint64_t now_ns) {
    BootKeyboardReport report = TRY(parse_boot_keyboard_report(data, size));
    KeyEvent events[kMaxKeyEvents];
    size_t count = diff_boot_keyboard_reports(m_held, report, events);

    uint8_t leds_before = led_report();
    Output output;
    for (size_t i = 0; i < count; ++i) {
        uint8_t usage = events[i].usage;
        if (!events[i].pressed) {
            m_keys.release(usage);
            m_repeat.key_released(usage);
            continue;
        }
        char bytes[kMaxKeyBytes];
        size_t n = m_keys.press(usage, bytes);
        for (size_t b = 0; b < n; ++b) output.bytes[output.size++] = bytes[b];
        if (!is_modifier_usage(usage) && !is_lock_usage(usage)) {
            m_repeat.key_pressed(usage, now_ns);
        }
    }
    output.leds_changed = led_report() != leds_before;

    // A report that could not name its keys still carries the modifiers.
    m_held.modifiers = report.modifiers;
    if (!report.keys_unknown) {
        for (size_t i = 0; i < kBootKeyboardKeySlots; ++i) m_held.keys[i] = report.keys[i];
    }
    return output;
}

size_t HidKeyboard::poll_repeat(uint64_t now_ns, char out[kMaxKeyBytes]) {
    uint8_t usage = m_repeat.poll(now_ns);
    if (usage == 0) return 0;
    return m_keys.bytes_for(usage, out);
}

uint8_t HidKeyboard::led_report() const {
    uint8_t leds = 0;
    if (m_keys.num_lock()) leds |= keyboard_led::kNumLock;
    if (m_keys.caps_lock()) leds |= keyboard_led::kCapsLock;
    if (m_keys.scroll_lock()) leds |= keyboard_led::kScrollLock;
    return leds;
}

void HidKeyboard::reset() {
    for (size_t i = 0; i < 8; ++i) m_keys.release(uint8_t(key_usage::kLeftCtrl + i));
    m_held = BootKeyboardReport{};
    m_repeat.cancel();
}

}  // namespace nyanos::usb
