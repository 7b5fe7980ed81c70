#include "lib/scancode.h"

namespace nyanos {
namespace {

constexpr uint8_t kRelease = 0x80;
constexpr uint8_t kExtendedPrefix = 0xe0;
constexpr uint8_t kPausePrefix = 0xe1;
// Controller and keyboard replies that are not keys: ACK, resend, errors.
constexpr uint8_t kAck = 0xfa, kResend = 0xfe, kError0 = 0x00, kError1 = 0xff;
// E0 2A / E0 36 are the "fake shifts" some keyboards wrap around navigation
// keys: they must not touch the real Shift state.
constexpr uint8_t kFakeLeftShift = 0x2a, kFakeRightShift = 0x36;

// Set 1 make codes 0x00..0x58 to HID usages (0: no key). The rows follow the
// keyboard: Esc and digits, QWERTY, ASDF, ZXCV, then F1..F10, the locks, the
// keypad, the 102nd key and F11/F12.
constexpr uint8_t kPlainUsage[] = {
    0x00, 0x29, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2d, 0x2e, 0x2a,
    0x2b, 0x14, 0x1a, 0x08, 0x15, 0x17, 0x1c, 0x18, 0x0c, 0x12, 0x13, 0x2f, 0x30, 0x28, 0xe0,
    0x04, 0x16, 0x07, 0x09, 0x0a, 0x0b, 0x0d, 0x0e, 0x0f, 0x33, 0x34, 0x35, 0xe1, 0x31, 0x1d,
    0x1b, 0x06, 0x19, 0x05, 0x11, 0x10, 0x36, 0x37, 0x38, 0xe5, 0x55, 0xe2, 0x2c, 0x39, 0x3a,
    0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x53, 0x47, 0x5f, 0x60, 0x61, 0x56,
    0x5c, 0x5d, 0x5e, 0x57, 0x59, 0x5a, 0x5b, 0x62, 0x63, 0x00, 0x00, 0x64, 0x44, 0x45,
};
static_assert(sizeof(kPlainUsage) == 0x59);

// The E0-prefixed keys: the right-hand modifiers, keypad Enter and /, Print
// Screen, the navigation block and the GUI and menu keys.
uint8_t extended_usage(uint8_t make) {
    switch (make) {
        case 0x1c:
            return key_usage::kKeypadEnter;
        case 0x1d:
            return key_usage::kRightCtrl;
        case 0x35:
            return key_usage::kKeypadSlash;
        case 0x37:
            return 0x46;  // Print Screen
        case 0x38:
            return key_usage::kRightAlt;
        case 0x47:
            return key_usage::kHome;
        case 0x48:
            return key_usage::kUp;
        case 0x49:
            return key_usage::kPageUp;
        case 0x4b:
            return key_usage::kLeft;
        case 0x4d:
            return key_usage::kRight;
        case 0x4f:
            return key_usage::kEnd;
        case 0x50:
            return key_usage::kDown;
        case 0x51:
            return key_usage::kPageDown;
        case 0x52:
            return key_usage::kInsert;
        case 0x53:
            return key_usage::kDelete;
        case 0x5b:
            return key_usage::kLeftGui;
        case 0x5c:
            return key_usage::kRightGui;
        case 0x5d:
            return 0x65;  // Application (menu)
    }
    return 0;
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
    if (extended && (make == kFakeLeftShift || make == kFakeRightShift)) return 0;

    uint8_t usage = extended ? extended_usage(make)
                             : (make < sizeof(kPlainUsage) ? kPlainUsage[make] : uint8_t(0));
    if (usage == 0) return 0;
    if (released) {
        m_keys.release(usage);
        return 0;
    }
    return m_keys.press(usage, out);
}

}  // namespace nyanos
