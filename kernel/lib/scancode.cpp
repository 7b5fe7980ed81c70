#include "lib/scancode.h"

namespace nyanos {
namespace {

constexpr uint8_t kRelease = 0x80;
constexpr uint8_t kExtendedPrefix = 0xe0;
constexpr uint8_t kPausePrefix = 0xe1;
// Controller and keyboard replies that are not keys: ACK, resend, errors.
constexpr uint8_t kAck = 0xfa, kResend = 0xfe, kError0 = 0x00, kError1 = 0xff;

// Make codes of the keys with state.
constexpr uint8_t kLeftCtrl = 0x1d, kLeftShift = 0x2a, kRightShift = 0x36, kLeftAlt = 0x38,
                  kCapsLock = 0x3a, kNumLock = 0x45;
constexpr uint8_t kKeypadFirst = 0x47, kKeypadLast = 0x53;

// US layout, make codes 0x00..0x39; 0 = no character.
constexpr char kNormal[] =
    "\0\x1b"
    "1234567890-=\x7f\t"
    "qwertyuiop[]\r\0"
    "asdfghjkl;'`\0\\"
    "zxcvbnm,./\0*\0 ";
constexpr char kShifted[] =
    "\0\x1b"
    "!@#$%^&*()_+\x7f\t"
    "QWERTYUIOP{}\r\0"
    "ASDFGHJKL:\"~\0|"
    "ZXCVBNM<>?\0*\0 ";
constexpr size_t kTableSize = sizeof(kNormal) - 1;
static_assert(kTableSize == 0x3a && sizeof(kShifted) == sizeof(kNormal));

// Keypad 0x47..0x53 with Num Lock on.
constexpr char kKeypadDigits[] = "789-456+1230.";
static_assert(sizeof(kKeypadDigits) - 1 == kKeypadLast - kKeypadFirst + 1);

size_t emit(char out[ScancodeDecoder::kMaxOutput], const char* text) {
    size_t n = 0;
    while (text[n] != '\0' && n < ScancodeDecoder::kMaxOutput) {
        out[n] = text[n];
        ++n;
    }
    return n;
}

// The navigation keys (E0-prefixed, or the keypad with Num Lock off).
size_t navigation(uint8_t make, char out[ScancodeDecoder::kMaxOutput]) {
    switch (make) {
        case 0x47:
            return emit(out, "\x1b[H");
        case 0x48:
            return emit(out, "\x1b[A");
        case 0x49:
            return emit(out, "\x1b[5~");
        case 0x4b:
            return emit(out, "\x1b[D");
        case 0x4d:
            return emit(out, "\x1b[C");
        case 0x4f:
            return emit(out, "\x1b[F");
        case 0x50:
            return emit(out, "\x1b[B");
        case 0x51:
            return emit(out, "\x1b[6~");
        case 0x52:
            return emit(out, "\x1b[2~");
        case 0x53:
            return emit(out, "\x1b[3~");
    }
    return 0;
}

bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

size_t ScancodeDecoder::feed(uint8_t code, char out[kMaxOutput]) {
    if (m_skip > 0) {
        --m_skip;
        return 0;
    }
    if (code == kPausePrefix) {
        // Pause sends E1 1D 45 E1 9D C5 and no release: drop the two bytes
        // after each E1.
        m_skip = 2;
        m_extended = false;
        return 0;
    }
    if (code == kExtendedPrefix) {
        m_extended = true;
        return 0;
    }
    if (code == kAck || code == kResend || code == kError0 || code == kError1) {
        m_extended = false;
        return 0;
    }

    bool extended = m_extended;
    m_extended = false;
    bool released = code & kRelease;
    uint8_t make = code & ~kRelease;

    // Modifiers change state on press and release.
    if (extended) {
        if (make == kLeftCtrl) m_right_ctrl = !released;
        if (make == kLeftAlt) m_right_alt = !released;
    } else {
        switch (make) {
            case kLeftShift:
                m_left_shift = !released;
                return 0;
            case kRightShift:
                m_right_shift = !released;
                return 0;
            case kLeftCtrl:
                m_left_ctrl = !released;
                return 0;
            case kLeftAlt:
                m_left_alt = !released;
                return 0;
        }
    }
    if (released) return 0;
    if (extended) return extended_key(make, out);
    if (make == kCapsLock) {
        m_caps_lock = !m_caps_lock;
        return 0;
    }
    if (make == kNumLock) {
        m_num_lock = !m_num_lock;
        return 0;
    }
    if (make >= kKeypadFirst && make <= kKeypadLast) return keypad_key(make, out);
    return plain_key(make, out);
}

size_t ScancodeDecoder::plain_key(uint8_t make, char out[kMaxOutput]) {
    if (make >= kTableSize) return 0;  // function keys and the rest
    char c = shift() ? kShifted[make] : kNormal[make];
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
    out[0] = c;
    return 1;
}

size_t ScancodeDecoder::extended_key(uint8_t make, char out[kMaxOutput]) {
    switch (make) {
        case 0x1c:
            out[0] = '\r';
            return 1;  // keypad Enter
        case 0x35:
            out[0] = '/';
            return 1;  // keypad /
        // E0 2A / E0 36 are the "fake shifts" some keyboards wrap around
        // navigation keys: they must not touch the real Shift state.
        case kLeftShift:
        case kRightShift:
            return 0;
    }
    return navigation(make, out);
}

size_t ScancodeDecoder::keypad_key(uint8_t make, char out[kMaxOutput]) {
    char digit = kKeypadDigits[make - kKeypadFirst];
    if (m_num_lock || digit == '-' || digit == '+') {
        out[0] = digit;
        return 1;
    }
    return navigation(make, out);  // keypad 5 without Num Lock: nothing
}

}  // namespace nyanos
