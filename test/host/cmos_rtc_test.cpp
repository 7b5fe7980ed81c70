// The CMOS RTC: decoding BCD and binary, 12- and 24-hour mode, the century
// register; reading a consistent snapshot from an RTC that is updating.
#include <doctest/doctest.h>

#include <stdint.h>

#include <vector>

#include "lib/cmos_rtc.h"

using namespace nyanos;
using calendar::DateTime;
using rtc::Snapshot;

namespace {

Snapshot bcd_snapshot(uint8_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s,
                      uint8_t status_b = rtc::kStatusB24Hour) {
    Snapshot snap;
    snap.year = y;
    snap.month = mo;
    snap.day = d;
    snap.hours = h;
    snap.minutes = mi;
    snap.seconds = s;
    snap.status_b = status_b;
    return snap;
}

DateTime decoded(const Snapshot& s) {
    auto r = rtc::decode(s);
    REQUIRE(r.ok());
    return r.value();
}

// A fake RTC: 128 bytes of CMOS; `updating` reads of status A report an
// update in progress, and after `flip_after` register reads the seconds and
// minutes roll over (as a real RTC would between two reads).
struct FakeRtc {
    uint8_t cmos[128] = {};
    unsigned updating = 0;
    unsigned reads = 0;
    unsigned flip_after = ~0u;
    uint8_t read(uint8_t reg) {
        if (++reads == flip_after) {
            cmos[rtc::kRegSeconds] = 0x00;
            cmos[rtc::kRegMinutes] = 0x00;
            cmos[rtc::kRegHours] = 0x00;
            cmos[rtc::kRegDayOfMonth] = 0x01;
            cmos[rtc::kRegMonth] = 0x01;
            cmos[rtc::kRegYear] = 0x27;
        }
        if (reg == rtc::kRegStatusA && updating) {
            --updating;
            return rtc::kStatusAUpdateInProgress;
        }
        return cmos[reg];
    }
};

}  // namespace

TEST_CASE("cmos rtc: BCD, 24-hour, no century register: 20xx") {
    CHECK(decoded(bcd_snapshot(0x26, 0x11, 0x30, 0x04, 0x05, 0x06)) ==
          DateTime{2026, 11, 30, 4, 5, 6});
    CHECK(decoded(bcd_snapshot(0x99, 0x12, 0x31, 0x23, 0x59, 0x59)) ==
          DateTime{2099, 12, 31, 23, 59, 59});
    CHECK(decoded(bcd_snapshot(0x00, 0x02, 0x29, 0x00, 0x00, 0x00)) ==
          DateTime{2000, 2, 29, 0, 0, 0});
}

TEST_CASE("cmos rtc: the century register, BCD or binary like the rest") {
    Snapshot s = bcd_snapshot(0x00, 0x03, 0x01, 0x12, 0x00, 0x00);
    s.has_century = true;
    s.century = 0x21;
    CHECK(decoded(s) == DateTime{2100, 3, 1, 12, 0, 0});
    s.day = 0x29;
    s.month = 0x02;
    CHECK(rtc::decode(s).error() == Error::kInvalid);  // 2100 is not a leap year
    s.century = 0x19;
    s.year = 0x99;
    s.month = 0x12;
    s.day = 0x31;
    CHECK(decoded(s) == DateTime{1999, 12, 31, 12, 0, 0});

    Snapshot b;
    b.status_b = rtc::kStatusBBinary | rtc::kStatusB24Hour;
    b.has_century = true;
    b.century = 20;
    b.year = 26;
    b.month = 11;
    b.day = 30;
    b.hours = 23;
    b.minutes = 59;
    b.seconds = 58;
    CHECK(decoded(b) == DateTime{2026, 11, 30, 23, 59, 58});
}

TEST_CASE("cmos rtc: 12-hour mode, PM in bit 7, 12 AM is midnight") {
    uint8_t twelve = 0;  // status B without the 24-hour bit: BCD, 12-hour
    CHECK(decoded(bcd_snapshot(0x26, 0x01, 0x01, 0x12, 0x30, 0x00, twelve)).hour == 0);
    CHECK(decoded(bcd_snapshot(0x26, 0x01, 0x01, 0x01, 0x30, 0x00, twelve)).hour == 1);
    CHECK(decoded(bcd_snapshot(0x26, 0x01, 0x01, 0x11, 0x30, 0x00, twelve)).hour == 11);
    CHECK(decoded(bcd_snapshot(0x26, 0x01, 0x01, 0x80 | 0x12, 0x30, 0x00, twelve)).hour == 12);
    CHECK(decoded(bcd_snapshot(0x26, 0x01, 0x01, 0x80 | 0x01, 0x30, 0x00, twelve)).hour == 13);
    CHECK(decoded(bcd_snapshot(0x26, 0x01, 0x01, 0x80 | 0x11, 0x30, 0x00, twelve)).hour == 23);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x01, 0x01, 0x00, 0, 0, twelve)).error() ==
          Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x01, 0x01, 0x13, 0, 0, twelve)).error() ==
          Error::kInvalid);
    // Binary 12-hour: 0x80 | 7 is 7 PM.
    Snapshot b = bcd_snapshot(26, 6, 15, 0x80 | 7, 0, 0, rtc::kStatusBBinary);
    CHECK(decoded(b).hour == 19);
}

TEST_CASE("cmos rtc: garbage is refused, not turned into a date") {
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x1a, 0x01, 0, 0, 0)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x13, 0x01, 0, 0, 0)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x00, 0x01, 0, 0, 0)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x04, 0x31, 0, 0, 0)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x04, 0x30, 0x24, 0, 0)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x04, 0x30, 0, 0x60, 0)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0x26, 0x04, 0x30, 0, 0, 0x60)).error() == Error::kInvalid);
    CHECK(rtc::decode(bcd_snapshot(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).error() == Error::kInvalid);
    Snapshot b = bcd_snapshot(100, 1, 1, 0, 0, 0, rtc::kStatusBBinary | rtc::kStatusB24Hour);
    CHECK(rtc::decode(b).error() == Error::kInvalid);  // a year register above 99
    Snapshot c = bcd_snapshot(0x26, 0x01, 0x01, 0, 0, 0);
    c.has_century = true;
    c.century = 0xa0;
    CHECK(rtc::decode(c).error() == Error::kInvalid);
}

TEST_CASE("cmos rtc: read_snapshot waits out an update and needs two equal reads") {
    FakeRtc fake;
    fake.cmos[rtc::kRegYear] = 0x26;
    fake.cmos[rtc::kRegMonth] = 0x12;
    fake.cmos[rtc::kRegDayOfMonth] = 0x31;
    fake.cmos[rtc::kRegHours] = 0x23;
    fake.cmos[rtc::kRegMinutes] = 0x59;
    fake.cmos[rtc::kRegSeconds] = 0x59;
    fake.cmos[rtc::kRegStatusB] = rtc::kStatusB24Hour;
    fake.cmos[0x32] = 0x20;
    auto read = [&](uint8_t reg) { return fake.read(reg); };

    SUBCASE("a quiet RTC") {
        fake.updating = 5;
        auto s = rtc::read_snapshot(read, 0x32);
        REQUIRE(s.ok());
        CHECK(decoded(s.value()) == DateTime{2026, 12, 31, 23, 59, 59});
    }
    SUBCASE("the year rolls over in the middle of the first read") {
        fake.flip_after = 4;  // after status A, seconds, minutes: hours onwards are new
        auto s = rtc::read_snapshot(read, 0x32);
        REQUIRE(s.ok());
        CHECK(decoded(s.value()) == DateTime{2027, 1, 1, 0, 0, 0});
    }
    SUBCASE("no usable century register: 20xx, the register is not read") {
        fake.cmos[0x32] = 0x19;
        auto s = rtc::read_snapshot(read, 0x05);  // inside the clock registers
        REQUIRE(s.ok());
        CHECK_FALSE(s.value().has_century);
        CHECK(decoded(s.value()).year == 2026);
    }
    SUBCASE("update in progress forever: kBusy, bounded") {
        fake.updating = ~0u;
        CHECK(rtc::read_snapshot(read, 0x32).error() == Error::kBusy);
    }
}

TEST_CASE("cmos rtc: an RTC that never reads the same twice gives kBusy") {
    uint8_t counter = 0;
    auto read = [&](uint8_t reg) -> uint8_t {
        if (reg == rtc::kRegStatusA) return 0;
        if (reg == rtc::kRegSeconds) return counter++;
        return 1;
    };
    CHECK(rtc::read_snapshot(read, 0).error() == Error::kBusy);
}
