// HID usages to bytes: the one translation the PS/2 and USB keyboards share.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lib/key_translator.h"

using namespace nyanos;
namespace u = nyanos::key_usage;

namespace {

// Presses each usage (releasing it after) and returns everything produced.
std::string type(KeyTranslator& keys, std::vector<uint8_t> usages) {
    std::string out;
    for (uint8_t usage : usages) {
        char buf[kMaxKeyBytes];
        size_t n = keys.press(usage, buf);
        REQUIRE(n <= kMaxKeyBytes);
        out.append(buf, n);
        keys.release(usage);
    }
    return out;
}

std::string bytes_for(const KeyTranslator& keys, uint8_t usage) {
    char buf[kMaxKeyBytes];
    size_t n = keys.bytes_for(usage, buf);
    REQUIRE(n <= kMaxKeyBytes);
    return std::string(buf, n);
}

}  // namespace

TEST_CASE("key translator: letters, digits and the US symbols") {
    KeyTranslator keys;
    CHECK(type(keys, {0x04, 0x05, 0x1d}) == "abz");
    CHECK(type(keys, {0x1e, 0x26, 0x27}) == "190");
    CHECK(type(keys, {0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38}) ==
          "-=[]\\\\;'`,./");
    CHECK(type(keys, {u::kEnter, u::kBackspace, u::kTab, u::kEscape, 0x2c}) == "\r\x7f\t\x1b ");
}

TEST_CASE("key translator: either shift selects the upper row until released") {
    KeyTranslator keys;
    char buf[kMaxKeyBytes];
    CHECK(keys.press(u::kLeftShift, buf) == 0);
    CHECK(keys.shift());
    CHECK(type(keys, {0x04, 0x1e, 0x27, 0x2d, 0x31, 0x34, 0x38}) == "A!)_|\"?");
    CHECK(keys.press(u::kRightShift, buf) == 0);
    keys.release(u::kLeftShift);
    CHECK(type(keys, {0x04}) == "A");  // the right one is still held
    keys.release(u::kRightShift);
    CHECK(!keys.shift());
    CHECK(type(keys, {0x04}) == "a");
}

TEST_CASE("key translator: caps lock inverts shift for letters only") {
    KeyTranslator keys;
    CHECK(type(keys, {u::kCapsLock}) == "");
    CHECK(keys.caps_lock());
    CHECK(type(keys, {0x04, 0x1e}) == "A1");
    char buf[kMaxKeyBytes];
    (void)keys.press(u::kLeftShift, buf);
    CHECK(type(keys, {0x04, 0x1e}) == "a!");
    keys.release(u::kLeftShift);
    CHECK(type(keys, {u::kCapsLock, 0x04}) == "a");
}

TEST_CASE("key translator: ctrl gives control codes for letters and [ \\ ]") {
    KeyTranslator keys;
    char buf[kMaxKeyBytes];
    (void)keys.press(u::kRightCtrl, buf);
    CHECK(keys.ctrl());
    CHECK(type(keys, {0x06, 0x04, 0x1d, 0x2f, 0x31, 0x30}) == "\x03\x01\x1a\x1b\x1c\x1d");
    CHECK(type(keys, {0x1e, u::kEnter}) == "1\r");  // no control form: unchanged
    (void)keys.press(u::kLeftShift, buf);
    CHECK(type(keys, {0x06, 0x2f}) == "\x03\x1b");  // shifted forms too
    keys.release(u::kRightCtrl);
    keys.release(u::kLeftShift);
    CHECK(type(keys, {0x06}) == "c");
}

TEST_CASE("key translator: navigation keys give ANSI sequences") {
    KeyTranslator keys;
    CHECK(type(keys, {u::kUp, u::kDown, u::kRight, u::kLeft}) == "\x1b[A\x1b[B\x1b[C\x1b[D");
    CHECK(type(keys, {u::kHome, u::kEnd}) == "\x1b[H\x1b[F");
    CHECK(type(keys, {u::kInsert, u::kDelete, u::kPageUp, u::kPageDown}) ==
          "\x1b[2~\x1b[3~\x1b[5~\x1b[6~");
}

TEST_CASE("key translator: the keypad follows num lock, its operators do not") {
    KeyTranslator keys;
    CHECK(keys.num_lock());
    CHECK(type(keys, {0x59, 0x5d, 0x61, 0x62, 0x63}) == "1590.");
    CHECK(type(keys, {u::kKeypadSlash, u::kKeypadStar, u::kKeypadMinus, u::kKeypadPlus,
                      u::kKeypadEnter}) == "/*-+\r");
    CHECK(type(keys, {u::kNumLock}) == "");
    CHECK(!keys.num_lock());
    CHECK(type(keys, {0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63}) ==
          "\x1b[F\x1b[B\x1b[6~\x1b[D\x1b[C\x1b[H\x1b[A\x1b[5~\x1b[2~\x1b[3~");
    CHECK(type(keys, {u::kKeypadPlus}) == "+");
}

TEST_CASE("key translator: locks toggle on press; scroll lock produces nothing") {
    KeyTranslator keys;
    CHECK(!keys.scroll_lock());
    CHECK(type(keys, {u::kScrollLock}) == "");
    CHECK(keys.scroll_lock());
    CHECK(type(keys, {u::kScrollLock}) == "");
    CHECK(!keys.scroll_lock());
    CHECK(is_lock_usage(u::kCapsLock));
    CHECK(is_lock_usage(u::kNumLock));
    CHECK(is_lock_usage(u::kScrollLock));
    CHECK(!is_lock_usage(0x04));
}

TEST_CASE("key translator: function keys, GUI, alt and error usages produce nothing") {
    KeyTranslator keys;
    for (uint8_t f = u::kF1; f <= u::kF12; ++f) CHECK(type(keys, {f}) == "");
    CHECK(type(keys, {0x00, 0x01, 0x02, 0x03, 0x46, 0x48, 0x64, 0x65, 0xff}) == "");
    char buf[kMaxKeyBytes];
    CHECK(keys.press(u::kLeftAlt, buf) == 0);
    CHECK(keys.alt());
    CHECK(type(keys, {0x04}) == "a");  // Alt does not change the byte
    keys.release(u::kLeftAlt);
    CHECK(!keys.alt());
    CHECK(keys.press(u::kLeftGui, buf) == 0);
    CHECK(keys.press(u::kRightGui, buf) == 0);
}

TEST_CASE("key translator: bytes_for answers with the current state and changes none") {
    KeyTranslator keys;
    CHECK(bytes_for(keys, u::kCapsLock) == "");
    CHECK(!keys.caps_lock());
    CHECK(bytes_for(keys, u::kLeftShift) == "");
    CHECK(!keys.shift());
    char buf[kMaxKeyBytes];
    (void)keys.press(u::kLeftShift, buf);
    CHECK(bytes_for(keys, 0x04) == "A");
    keys.release(u::kLeftShift);
    CHECK(bytes_for(keys, 0x04) == "a");
    // Every usage, in every modifier state, fits the buffer.
    for (int mods = 0; mods < 16; ++mods) {
        KeyTranslator k;
        if (mods & 1) (void)k.press(u::kLeftShift, buf);
        if (mods & 2) (void)k.press(u::kLeftCtrl, buf);
        if (mods & 4) (void)k.press(u::kCapsLock, buf);
        if (mods & 8) (void)k.press(u::kNumLock, buf);
        for (int usage = 0; usage < 256; ++usage) (void)bytes_for(k, uint8_t(usage));
    }
}
