// libFuzzer target: the USB boot keyboard (kernel/usb/hid_keyboard.h) on a
// stream of arbitrary reports. The input is cut into records: one length
// byte (the transfer's size, 0..15), one time-step byte (milliseconds since
// the last record), then that many report bytes.
//
// Every report must be answered (a value or kCorrupt), no output may exceed
// its buffer, and a keyboard that is reset must have nothing left to repeat.
#include <stdint.h>

#include <vector>

#include "fuzz_check.h"
#include "usb/hid_keyboard.h"

using namespace nyanos;
using namespace nyanos::usb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::no_panic("usb hid keyboard", [&] {
        HidKeyboard keyboard;
        uint64_t now = 1'000'000'000;
        size_t at = 0;
        while (at + 2 <= size) {
            size_t length = data[at] & 0x0f;
            now += uint64_t(data[at + 1]) * 10'000'000;  // 0..2.55 s per step
            at += 2;
            if (length > size - at) length = size - at;
            // An exact-size copy, so ASan sees a read past the transfer.
            std::vector<uint8_t> report(data + at, data + at + length);
            at += length;
            auto out = keyboard.feed_report(report.data(), report.size(), now);
            if (out.ok()) {
                FUZZ_CHECK(out.value().size <= HidKeyboard::kMaxReportBytes, "%zu bytes",
                           out.value().size);
            } else {
                FUZZ_CHECK(out.error() == Error::kCorrupt && length < kBootKeyboardReportSize,
                           "error %s for %zu bytes", error_name(out.error()), length);
            }
            char bytes[kMaxKeyBytes];
            FUZZ_CHECK(keyboard.poll_repeat(now, bytes) <= kMaxKeyBytes, "repeat overflow");
            uint8_t leds = keyboard.led_report();
            FUZZ_CHECK((leds & ~0x07) == 0, "LED bits 0x%02x", leds);
        }
        keyboard.reset();
        char bytes[kMaxKeyBytes];
        FUZZ_CHECK(keyboard.poll_repeat(now + 10'000'000'000, bytes) == 0, "repeat after reset");
    });
    return 0;
}
