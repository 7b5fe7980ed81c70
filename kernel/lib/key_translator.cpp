#include "lib/key_translator.h"

namespace nyanos {
namespace {

using namespace key_usage;

// US layout for usages 0x00..0x38 (letters, digits, Enter..Space, symbols);
// 0 = no character. Usage 0x32 (the "non-US #" key) is the backslash key on
// a US keyboard, as Linux's HID mapping has it.
constexpr char kNormal[] =
    "\0\0\0\0"
    "abcdefghijklmnopqrstuvwxyz"
    "1234567890"
    "\r\x1b\x7f\t "
    "-=[]\\\\;'`,./";
constexpr char kShifted[] =
    "\0\0\0\0"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "!@#$%^&*()"
    "\r\x1b\x7f\t "
    "_+{}||:\"~<>?";
constexpr size_t kTableSize = sizeof(kNormal) - 1;
static_assert(kTableSize == 0x39 && sizeof(kShifted) == sizeof(kNormal));

// Keypad 1..9, 0 and '.' (usages 0x59..0x63) with Num Lock on, and without
// it the navigation key each one doubles as (0 for keypad 5).
constexpr char kKeypadDigits[] = "1234567890.";
constexpr uint8_t kKeypadNavigation[] = {kEnd,  kDown, kPageDown, kLeft,   0,      kRight,
                                         kHome, kUp,   kPageUp,   kInsert, kDelete};
static_assert(sizeof(kKeypadDigits) - 1 == kKeypadDot - kKeypad1 + 1);
static_assert(sizeof(kKeypadNavigation) == kKeypadDot - kKeypad1 + 1);

size_t emit(char out[kMaxKeyBytes], const char* text) {
    size_t n = 0;
    while (text[n] != '\0' && n < kMaxKeyBytes) {
        out[n] = text[n];
        ++n;
    }
    return n;
}

size_t emit_char(char out[kMaxKeyBytes], char c) {
    out[0] = c;
    return 1;
}

size_t navigation(uint8_t usage, char out[kMaxKeyBytes]) {
    switch (usage) {
        case kInsert:
            return emit(out, "\x1b[2~");
        case kHome:
            return emit(out, "\x1b[H");
        case kPageUp:
            return emit(out, "\x1b[5~");
        case kDelete:
            return emit(out, "\x1b[3~");
        case kEnd:
            return emit(out, "\x1b[F");
        case kPageDown:
            return emit(out, "\x1b[6~");
        case kRight:
            return emit(out, "\x1b[C");
        case kLeft:
            return emit(out, "\x1b[D");
        case kDown:
            return emit(out, "\x1b[B");
        case kUp:
            return emit(out, "\x1b[A");
    }
    return 0;
}

bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

size_t KeyTranslator::press(uint8_t usage, char out[kMaxKeyBytes]) {
    if (is_modifier_usage(usage)) {
        m_modifiers |= bit(usage);
        return 0;
    }
    switch (usage) {
        case kCapsLock:
            m_caps_lock = !m_caps_lock;
            return 0;
        case kNumLock:
            m_num_lock = !m_num_lock;
            return 0;
        case kScrollLock:
            m_scroll_lock = !m_scroll_lock;
            return 0;
    }
    return bytes_for(usage, out);
}

void KeyTranslator::release(uint8_t usage) {
    if (is_modifier_usage(usage)) m_modifiers &= uint8_t(~bit(usage));
}

size_t KeyTranslator::bytes_for(uint8_t usage, char out[kMaxKeyBytes]) const {
    if (usage < kTableSize) {
        char c = shift() ? kShifted[usage] : kNormal[usage];
        if (c == '\0') return 0;
        if (is_letter(c) && m_caps_lock) c ^= 0x20;  // Caps Lock inverts Shift for letters
        if (ctrl()) {
            if (is_letter(c)) {
                c &= 0x1f;
            } else if (c == '[' || c == '{') {
                c = 0x1b;
            } else if (c == '\\' || c == '|') {
                c = 0x1c;
            } else if (c == ']' || c == '}') {
                c = 0x1d;
            }
        }
        return emit_char(out, c);
    }
    // The keypad's operators and Enter do not depend on Num Lock.
    switch (usage) {
        case kKeypadSlash:
            return emit_char(out, '/');
        case kKeypadStar:
            return emit_char(out, '*');
        case kKeypadMinus:
            return emit_char(out, '-');
        case kKeypadPlus:
            return emit_char(out, '+');
        case kKeypadEnter:
            return emit_char(out, '\r');
    }
    if (usage >= kKeypad1 && usage <= kKeypadDot) {
        size_t index = usage - kKeypad1;
        if (m_num_lock) return emit_char(out, kKeypadDigits[index]);
        return navigation(kKeypadNavigation[index], out);  // keypad 5: nothing
    }
    return navigation(usage, out);
}

}  // namespace nyanos
