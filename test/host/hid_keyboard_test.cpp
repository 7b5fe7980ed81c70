// A USB boot keyboard as console input: reports to bytes, LEDs, key repeat,
// malformed reports and unplugging.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "usb/hid_keyboard.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint8_t kLeftCtrl = 0x01, kLeftShift = 0x02;  // modifier byte bits
constexpr uint8_t kA = 0x04, kC = 0x06, kCapsLock = 0x39, kNumLock = 0x53, kScrollLock = 0x47,
                  kUp = 0x52, kLeftShiftUsage = 0xe1;

struct Sent {
    std::string bytes;
    bool leds_changed;
};

Sent send(HidKeyboard& kbd, uint8_t modifiers, std::vector<uint8_t> keys, uint64_t now = 0) {
    uint8_t bytes[8] = {modifiers, 0};
    for (size_t i = 0; i < keys.size() && i < 6; ++i) bytes[2 + i] = keys[i];
    auto r = kbd.feed_report(bytes, sizeof(bytes), now);
    REQUIRE(r.ok());
    REQUIRE(r.value().size <= HidKeyboard::kMaxReportBytes);
    return {std::string(r.value().bytes, r.value().size), r.value().leds_changed};
}

std::string type(HidKeyboard& kbd, uint8_t modifiers, std::vector<uint8_t> keys) {
    std::string out = send(kbd, modifiers, keys).bytes;
    out += send(kbd, modifiers, {}).bytes;
    return out;
}

std::string repeat(HidKeyboard& kbd, uint64_t now) {
    char buf[kMaxKeyBytes];
    size_t n = kbd.poll_repeat(now, buf);
    REQUIRE(n <= kMaxKeyBytes);
    return std::string(buf, n);
}

}  // namespace

TEST_CASE("hid keyboard: keys give the bytes the PS/2 keyboard gives") {
    HidKeyboard kbd;
    CHECK(type(kbd, 0, {0x0b, 0x0c}) == "hi");
    CHECK(type(kbd, kLeftShift, {kA, 0x1e}) == "A!");
    CHECK(type(kbd, kLeftCtrl, {kC}) == "\x03");
    CHECK(type(kbd, 0, {0x28, 0x2a, 0x2b, 0x29}) == "\r\x7f\t\x1b");
    CHECK(type(kbd, 0, {kUp}) == "\x1b[A");
    CHECK(send(kbd, 0, {}).bytes == "");
    // Six keys at once: all six, in slot order.
    CHECK(send(kbd, 0, {0x04, 0x05, 0x06, 0x07, 0x08, 0x09}).bytes == "abcdef");
    CHECK(send(kbd, 0, {}).bytes == "");
}

TEST_CASE("hid keyboard: a held key is not pressed again by the next report") {
    HidKeyboard kbd;
    CHECK(send(kbd, 0, {kA}).bytes == "a");
    CHECK(send(kbd, 0, {kA}).bytes == "");
    CHECK(send(kbd, kLeftShift, {kA}).bytes == "");  // shift joins a held key: nothing new
    CHECK(send(kbd, kLeftShift, {kA, 0x05}).bytes == "B");
}

TEST_CASE("hid keyboard: lock keys toggle the LEDs; the report byte says which") {
    HidKeyboard kbd;
    CHECK(kbd.led_report() == keyboard_led::kNumLock);  // on at start, as the PS/2 path
    Sent caps = send(kbd, 0, {kCapsLock});
    CHECK(caps.leds_changed);
    CHECK(kbd.led_report() == (keyboard_led::kNumLock | keyboard_led::kCapsLock));
    CHECK(!send(kbd, 0, {kCapsLock}).leds_changed);  // held: no second toggle
    CHECK(!send(kbd, 0, {}).leds_changed);
    CHECK(type(kbd, 0, {kA}) == "A");
    CHECK(send(kbd, 0, {kNumLock}).leds_changed);
    CHECK(send(kbd, 0, {kNumLock, kScrollLock}).leds_changed);
    CHECK(kbd.led_report() == (keyboard_led::kCapsLock | keyboard_led::kScrollLock));
    CHECK(!send(kbd, 0, {kA}).leds_changed);
}

TEST_CASE("hid keyboard: a short report is refused and changes nothing") {
    HidKeyboard kbd;
    CHECK(send(kbd, 0, {kA}).bytes == "a");
    const uint8_t release[8] = {};
    for (size_t size = 0; size < 8; ++size) {
        auto r = kbd.feed_report(release, size, 0);
        REQUIRE(!r.ok());
        CHECK(r.error() == Error::kCorrupt);
    }
    CHECK(kbd.repeat().active());  // A is still held
    CHECK(send(kbd, 0, {kA}).bytes == "");
}

TEST_CASE("hid keyboard: a rollover report is ignored for keys, not for modifiers") {
    HidKeyboard kbd;
    CHECK(send(kbd, 0, {kA}).bytes == "a");
    const uint8_t rollover[8] = {kLeftShift, 0, 1, 1, 1, 1, 1, 1};
    auto r = kbd.feed_report(rollover, sizeof(rollover), 0);
    REQUIRE(r.ok());
    CHECK(r.value().size == 0);
    CHECK(kbd.keys().shift());
    CHECK(kbd.repeat().key() == kA);  // A was not released by the bad report
    // The next good report is compared with the keys known before it.
    CHECK(send(kbd, kLeftShift, {kA, 0x05}).bytes == "B");
}

TEST_CASE("hid keyboard: the last pressed key repeats after the delay, with current modifiers") {
    HidKeyboard kbd;
    uint64_t t0 = 5000 * kMs;
    CHECK(send(kbd, 0, {kA}, t0).bytes == "a");
    CHECK(repeat(kbd, t0 + KeyRepeat::kDelayNs - 1) == "");
    CHECK(repeat(kbd, t0 + KeyRepeat::kDelayNs) == "a");
    CHECK(repeat(kbd, t0 + KeyRepeat::kDelayNs + KeyRepeat::kPeriodNs) == "a");
    // Shift pressed while A is held: the repeat turns upper case, and a
    // modifier does not restart the delay.
    uint64_t t1 = t0 + KeyRepeat::kDelayNs + 2 * KeyRepeat::kPeriodNs;
    CHECK(send(kbd, kLeftShift, {kA}, t1).bytes == "");
    CHECK(repeat(kbd, t1) == "A");
    // A second key takes over the repeat, after its own delay.
    uint64_t t2 = t1 + 10 * kMs;
    CHECK(send(kbd, kLeftShift, {kA, kC}, t2).bytes == "C");
    CHECK(repeat(kbd, t2 + KeyRepeat::kPeriodNs) == "");
    CHECK(repeat(kbd, t2 + KeyRepeat::kDelayNs) == "C");
    // Releasing the first key does not stop the second's repeat...
    CHECK(send(kbd, kLeftShift, {kC}, t2 + KeyRepeat::kDelayNs).bytes == "");
    CHECK(kbd.repeat().key() == kC);
    // ...releasing the repeating key does.
    CHECK(send(kbd, kLeftShift, {}, t2 + KeyRepeat::kDelayNs).bytes == "");
    CHECK(!kbd.repeat().active());
    CHECK(repeat(kbd, t2 + 10 * KeyRepeat::kDelayNs) == "");
}

TEST_CASE("hid keyboard: modifiers and locks do not repeat") {
    HidKeyboard kbd;
    (void)send(kbd, kLeftShift, {}, 0);
    CHECK(!kbd.repeat().active());
    (void)send(kbd, kLeftShift, {kCapsLock}, 0);
    CHECK(!kbd.repeat().active());
    (void)send(kbd, kLeftShift, {kCapsLock, kLeftShiftUsage}, 0);
    CHECK(!kbd.repeat().active());
}

TEST_CASE("hid keyboard: reset forgets held keys and the repeat, keeps the locks") {
    HidKeyboard kbd;
    (void)send(kbd, 0, {kCapsLock});
    (void)send(kbd, kLeftShift | kLeftCtrl, {kA});
    CHECK(kbd.repeat().active());
    kbd.reset();
    CHECK(!kbd.repeat().active());
    CHECK(!kbd.keys().shift());
    CHECK(!kbd.keys().ctrl());
    CHECK(kbd.keys().caps_lock());
    // The same key in the first report after a replug is a fresh press.
    CHECK(send(kbd, 0, {kA}).bytes == "A");
}

TEST_CASE("hid keyboard: any report bytes stay within bounds") {
    HidKeyboard kbd;
    uint8_t bytes[8];
    for (int i = 0; i < 4096; ++i) {
        for (int b = 0; b < 8; ++b) bytes[b] = uint8_t((i * 37 + b * 101) ^ (i >> 3));
        auto r = kbd.feed_report(bytes, sizeof(bytes), uint64_t(i) * kMs);
        REQUIRE(r.ok());
        CHECK(r.value().size <= HidKeyboard::kMaxReportBytes);
        (void)repeat(kbd, uint64_t(i) * kMs);
    }
}
