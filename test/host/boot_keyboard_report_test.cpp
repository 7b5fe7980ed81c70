// HID boot keyboard reports: parsing (short, padded, error codes) and the
// presses and releases between two reports.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "usb/boot_keyboard_report.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

constexpr uint8_t kLeftShift = 0x02, kRightCtrl = 0x10;  // modifier byte bits
constexpr uint8_t kA = 0x04, kB = 0x05, kC = 0x06;

BootKeyboardReport report(uint8_t modifiers, std::vector<uint8_t> keys) {
    uint8_t bytes[8] = {modifiers, 0};
    for (size_t i = 0; i < keys.size() && i < 6; ++i) bytes[2 + i] = keys[i];
    auto r = parse_boot_keyboard_report(bytes, sizeof(bytes));
    REQUIRE(r.ok());
    return r.release_value();
}

// The events as text: "+04 -e1" (press of usage 0x04, release of 0xe1).
std::string diff(const BootKeyboardReport& previous, const BootKeyboardReport& current) {
    KeyEvent events[kMaxKeyEvents];
    size_t n = diff_boot_keyboard_reports(previous, current, events);
    REQUIRE(n <= kMaxKeyEvents);
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        char buf[8];
        snprintf(buf, sizeof(buf), "%s%c%02x", i ? " " : "", events[i].pressed ? '+' : '-',
                 events[i].usage);
        out += buf;
    }
    return out;
}

}  // namespace

TEST_CASE("boot keyboard report: 8 bytes parse; fewer are corrupt; padding is ignored") {
    const uint8_t bytes[10] = {0x22, 0xff, kA, kB, 0, 0, 0, 0, 0x77, 0x88};
    auto r = parse_boot_keyboard_report(bytes, 8);
    REQUIRE(r.ok());
    CHECK(r.value().modifiers == 0x22);
    CHECK(r.value().keys[0] == kA);
    CHECK(r.value().keys[1] == kB);
    CHECK(r.value().keys[5] == 0);
    CHECK(!r.value().keys_unknown);
    CHECK(parse_boot_keyboard_report(bytes, 10).ok());
    for (size_t size = 0; size < 8; ++size) {
        auto short_report = parse_boot_keyboard_report(bytes, size);
        REQUIRE(!short_report.ok());
        CHECK(short_report.error() == Error::kCorrupt);
    }
}

TEST_CASE("boot keyboard report: error codes in a slot make the keys unknown") {
    for (uint8_t code = 1; code <= 3; ++code) {
        const uint8_t bytes[8] = {kLeftShift, 0, code, code, code, code, code, code};
        auto r = parse_boot_keyboard_report(bytes, 8);
        REQUIRE(r.ok());
        CHECK(r.value().keys_unknown);
        CHECK(r.value().modifiers == kLeftShift);
    }
    CHECK(!report(0, {kA, 0xe0}).keys_unknown);
}

TEST_CASE("boot keyboard diff: presses and releases of keys") {
    BootKeyboardReport none = report(0, {});
    CHECK(diff(none, none) == "");
    CHECK(diff(none, report(0, {kA})) == "+04");
    CHECK(diff(report(0, {kA}), report(0, {kA, kB})) == "+05");
    // The keyboard may move a held key to another slot: not a new press.
    CHECK(diff(report(0, {kA, kB}), report(0, {kB})) == "-04");
    CHECK(diff(report(0, {kA, kB}), report(0, {kB, kA})) == "");
    CHECK(diff(report(0, {kA, kB}), report(0, {kC})) == "-04 -05 +06");
    CHECK(diff(report(0, {kA, kB, kC, 0x07, 0x08, 0x09}), none) == "-04 -05 -06 -07 -08 -09");
}

TEST_CASE("boot keyboard diff: releases first, modifiers before keys") {
    BootKeyboardReport none = report(0, {});
    // Shift and A in one report: Shift first, so the letter is upper case.
    CHECK(diff(none, report(kLeftShift, {kA})) == "+e1 +04");
    // Shift let go while B goes down: Shift's release first, so b is lower case.
    CHECK(diff(report(kLeftShift, {kA}), report(0, {kB})) == "-04 -e1 +05");
    CHECK(diff(report(0xff, {}), none) == "-e0 -e1 -e2 -e3 -e4 -e5 -e6 -e7");
    CHECK(diff(report(kLeftShift, {}), report(kRightCtrl, {})) == "-e1 +e4");
}

TEST_CASE("boot keyboard diff: duplicates, empty slots and modifier usages are not keys") {
    BootKeyboardReport none = report(0, {});
    CHECK(diff(none, report(0, {kA, kA, 0, kA})) == "+04");
    CHECK(diff(report(0, {kA, kA}), none) == "-04");
    // Modifier usages in key slots: the modifier byte speaks for them.
    CHECK(diff(none, report(0, {0xe1, 0xe7})) == "");
    CHECK(diff(none, report(0, {0xff, 0xe8})) == "+ff +e8");  // unknown usages are keys
}

TEST_CASE("boot keyboard diff: a rollover report keeps the keys, applies the modifiers") {
    BootKeyboardReport held = report(0, {kA, kB});
    const uint8_t rollover[8] = {kLeftShift, 0, 1, 1, 1, 1, 1, 1};
    auto r = parse_boot_keyboard_report(rollover, 8);
    REQUIRE(r.ok());
    CHECK(diff(held, r.value()) == "+e1");
    const uint8_t undefined[8] = {0, 0, kA, 3, 0, 0, 0, 0};  // one bad slot is enough
    auto u = parse_boot_keyboard_report(undefined, 8);
    REQUIRE(u.ok());
    CHECK(diff(held, u.value()) == "");
}
