#include "usb/boot_keyboard_report.h"

#include "lib/key_translator.h"

namespace nyanos::usb {
namespace {

// HID usages 1..3 are not keys but the keyboard's error reports.
constexpr uint8_t kErrorRollOver = 0x01, kErrorUndefined = 0x03;
constexpr size_t kModifierOffset = 0, kFirstKeyOffset = 2;

bool is_key(uint8_t usage) {
    return usage > kErrorUndefined && !is_modifier_usage(usage);
}

// Whether `usage` is among the first `count` slots of `keys`.
bool holds(const uint8_t* keys, size_t count, uint8_t usage) {
    for (size_t i = 0; i < count; ++i) {
        if (keys[i] == usage) return true;
    }
    return false;
}

}  // namespace

Result<BootKeyboardReport> parse_boot_keyboard_report(const uint8_t* data, size_t size) {
    if (size < kBootKeyboardReportSize) return Error::kCorrupt;
    BootKeyboardReport report;
    report.modifiers = data[kModifierOffset];
    for (size_t i = 0; i < kBootKeyboardKeySlots; ++i) {
        uint8_t usage = data[kFirstKeyOffset + i];
        report.keys[i] = usage;
        if (usage >= kErrorRollOver && usage <= kErrorUndefined) report.keys_unknown = true;
    }
    return report;
}

size_t diff_boot_keyboard_reports(const BootKeyboardReport& previous,
                                  const BootKeyboardReport& current, KeyEvent out[kMaxKeyEvents]) {
    size_t n = 0;
    const uint8_t* now_held = current.keys_unknown ? previous.keys : current.keys;

    for (size_t i = 0; i < kBootKeyboardKeySlots; ++i) {
        uint8_t usage = previous.keys[i];
        if (!is_key(usage) || holds(previous.keys, i, usage)) continue;
        if (!holds(now_held, kBootKeyboardKeySlots, usage)) out[n++] = {usage, false};
    }
    uint8_t released_modifiers = previous.modifiers & uint8_t(~current.modifiers);
    uint8_t pressed_modifiers = current.modifiers & uint8_t(~previous.modifiers);
    for (uint8_t bit = 0; bit < 8; ++bit) {
        if (released_modifiers & (1u << bit))
            out[n++] = {uint8_t(key_usage::kLeftCtrl + bit), false};
    }
    for (uint8_t bit = 0; bit < 8; ++bit) {
        if (pressed_modifiers & (1u << bit)) out[n++] = {uint8_t(key_usage::kLeftCtrl + bit), true};
    }
    if (current.keys_unknown) return n;
    for (size_t i = 0; i < kBootKeyboardKeySlots; ++i) {
        uint8_t usage = current.keys[i];
        if (!is_key(usage) || holds(current.keys, i, usage)) continue;
        if (!holds(previous.keys, kBootKeyboardKeySlots, usage)) out[n++] = {usage, true};
    }
    return n;
}

}  // namespace nyanos::usb
