// Scan code set 1 to bytes: letters, Shift, Caps Lock, Ctrl, releases, the
// E0-prefixed keys, the keypad and the Pause sequence.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lib/scancode.h"

using namespace nyanos;

namespace {

// Feeds the codes and returns everything they produced.
std::string feed(ScancodeDecoder& d, std::vector<uint8_t> codes) {
    std::string out;
    for (uint8_t c : codes) {
        char buf[ScancodeDecoder::kMaxOutput];
        size_t n = d.feed(c, buf);
        REQUIRE(n <= ScancodeDecoder::kMaxOutput);
        out.append(buf, n);
    }
    return out;
}

constexpr uint8_t kA = 0x1e, kC = 0x2e, k1 = 0x02, kLShift = 0x2a, kRShift = 0x36, kCtrl = 0x1d,
                  kCaps = 0x3a, kRelease = 0x80;

}  // namespace

TEST_CASE("keyboard: presses produce characters, releases nothing") {
    ScancodeDecoder d;
    CHECK(feed(d, {kA}) == "a");
    CHECK(feed(d, {kA | kRelease}) == "");
    CHECK(feed(d, {0x23, 0x17, 0x39, k1, 0x0b, 0x0c, 0x35}) == "hi 10-/");
    CHECK(feed(d, {0x1c, 0x0e, 0x0f, 0x01}) == "\r\x7f\t\x1b");
}

TEST_CASE("keyboard: shift, both shifts, and release") {
    ScancodeDecoder d;
    CHECK(feed(d, {kLShift, kA, k1, 0x28, 0x2b}) == "A!\"|");
    CHECK(d.shift());
    CHECK(feed(d, {kRShift, kLShift | kRelease, kA}) == "A");  // right shift still held
    CHECK(feed(d, {kRShift | kRelease, kA}) == "a");
    CHECK(!d.shift());
}

TEST_CASE("keyboard: caps lock toggles on press, affects letters only, shift undoes it") {
    ScancodeDecoder d;
    CHECK(feed(d, {kCaps, kCaps | kRelease}) == "");
    CHECK(d.caps_lock());
    CHECK(feed(d, {kA, k1}) == "A1");
    CHECK(feed(d, {kLShift, kA, k1, kLShift | kRelease}) == "a!");
    CHECK(feed(d, {kCaps, kCaps | kRelease, kA}) == "a");
    CHECK(!d.caps_lock());
}

TEST_CASE("keyboard: ctrl makes control characters; Ctrl-C is 0x03") {
    ScancodeDecoder d;
    CHECK(feed(d, {kCtrl, kC}) == "\x03");
    CHECK(feed(d, {0x16, 0x1a, 0x2b, 0x1b}) == "\x15\x1b\x1c\x1d");  // Ctrl-U, [, \, ]
    CHECK(feed(d, {k1}) == "1");                                     // no control form: unchanged
    CHECK(feed(d, {kCtrl | kRelease, kC}) == "c");
    // Right Ctrl is E0 1D; its release E0 9D.
    CHECK(feed(d, {0xe0, 0x1d, kC, 0xe0, 0x9d, kC}) ==
          "\x03"
          "c");
    // Ctrl with Shift or Caps Lock still gives the control character.
    CHECK(feed(d, {kCaps, kCtrl, kC, kCtrl | kRelease, kCaps}) == "\x03");
}

TEST_CASE("keyboard: extended keys give ANSI sequences") {
    ScancodeDecoder d;
    CHECK(feed(d, {0xe0, 0x48}) == "\x1b[A");
    CHECK(feed(d, {0xe0, 0x50}) == "\x1b[B");
    CHECK(feed(d, {0xe0, 0x4d}) == "\x1b[C");
    CHECK(feed(d, {0xe0, 0x4b}) == "\x1b[D");
    CHECK(feed(d, {0xe0, 0x47, 0xe0, 0x4f}) == "\x1b[H\x1b[F");
    CHECK(feed(d, {0xe0, 0x53}) == "\x1b[3~");
    CHECK(feed(d, {0xe0, 0xc8, 0xe0, 0xd3}) == "");  // releases
    CHECK(feed(d, {0xe0, 0x1c, 0xe0, 0x35}) == "\r/");
    // A fake shift around a navigation key does not shift what follows.
    CHECK(feed(d, {0xe0, 0x2a, 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0xaa, kA}) ==
          "\x1b[A"
          "a");
    CHECK(!d.shift());
    // The prefix applies to one byte only.
    CHECK(feed(d, {0xe0, 0x48, 0x48}) ==
          "\x1b[A"
          "8");
}

TEST_CASE("keyboard: keypad follows Num Lock") {
    ScancodeDecoder d;
    CHECK(d.num_lock());
    CHECK(feed(d, {0x47, 0x48, 0x4c, 0x52, 0x53, 0x4a, 0x4e, 0x37}) == "7850.-+*");
    CHECK(feed(d, {0x45, 0xc5}) == "");
    CHECK(!d.num_lock());
    CHECK(feed(d, {0x48, 0x4c, 0x53, 0x4e}) == "\x1b[A\x1b[3~+");
}

TEST_CASE("keyboard: pause, function keys and controller replies produce nothing") {
    ScancodeDecoder d;
    CHECK(feed(d, {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}) == "");
    CHECK(!d.ctrl());
    CHECK(d.num_lock());  // the 0x45 inside Pause is not Num Lock
    CHECK(feed(d, {0x3b, 0x44, 0x57, 0x58, 0xfa, 0xfe, 0x00, 0xff, 0x38, 0xb8}) == "");
    CHECK(feed(d, {kA}) == "a");
    // Every byte value in any order stays within bounds.
    for (int i = 0; i < 256; ++i) (void)feed(d, {uint8_t(i), uint8_t(255 - i), 0xe0});
}
