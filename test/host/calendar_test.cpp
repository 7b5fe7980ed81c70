// The calendar behind CLOCK_REALTIME's boot value: leap years, known dates,
// round trips, and agreement with the host's timegm() over a wide range.
#include <doctest/doctest.h>

#include <time.h>

#include "lib/calendar.h"

using namespace nyanos;
using calendar::DateTime;

namespace {

int64_t unix_of(int64_t y, uint32_t mo, uint32_t d, uint32_t h = 0, uint32_t mi = 0,
                uint32_t s = 0) {
    auto r = calendar::to_unix_seconds(DateTime{y, mo, d, h, mi, s});
    REQUIRE(r.ok());
    return r.value();
}

}  // namespace

TEST_CASE("calendar: leap years, including the century rules") {
    CHECK(calendar::is_leap_year(2000));
    CHECK(calendar::is_leap_year(2024));
    CHECK(calendar::is_leap_year(2400));
    CHECK(calendar::is_leap_year(1600));
    CHECK_FALSE(calendar::is_leap_year(1900));
    CHECK_FALSE(calendar::is_leap_year(2100));
    CHECK_FALSE(calendar::is_leap_year(2200));
    CHECK_FALSE(calendar::is_leap_year(2026));
    CHECK(calendar::days_in_month(2000, 2) == 29);
    CHECK(calendar::days_in_month(2100, 2) == 28);
    CHECK(calendar::days_in_month(2024, 2) == 29);
    CHECK(calendar::days_in_month(2023, 2) == 28);
    CHECK(calendar::days_in_month(2026, 4) == 30);
    CHECK(calendar::days_in_month(2026, 12) == 31);
    CHECK(calendar::days_in_month(2026, 0) == 0);
    CHECK(calendar::days_in_month(2026, 13) == 0);
}

TEST_CASE("calendar: known Unix times") {
    CHECK(unix_of(1970, 1, 1) == 0);
    CHECK(unix_of(1970, 1, 2) == 86400);
    CHECK(unix_of(1969, 12, 31, 23, 59, 59) == -1);
    CHECK(unix_of(2000, 1, 1) == 946684800);
    CHECK(unix_of(2000, 2, 29) == 951782400);
    CHECK(unix_of(2000, 3, 1) == 951868800);
    CHECK(unix_of(2001, 9, 9, 1, 46, 40) == 1000000000);
    CHECK(unix_of(2009, 2, 13, 23, 31, 30) == 1234567890);
    CHECK(unix_of(2038, 1, 19, 3, 14, 7) == 2147483647);  // the last 32-bit second
    CHECK(unix_of(2038, 1, 19, 3, 14, 8) == 2147483648);
    CHECK(unix_of(2026, 11, 30, 4, 5, 6) == 1796011506);
    CHECK(unix_of(2100, 2, 28, 23, 59, 59) == 4107542399);
    CHECK(unix_of(2100, 3, 1) == 4107542400);             // 2100 has no 29 February
    CHECK(unix_of(2106, 2, 7, 6, 28, 16) == 4294967296);  // past 32-bit unsigned
    CHECK(unix_of(1900, 1, 1) == -2208988800);
    CHECK(unix_of(1, 1, 1) == -62135596800);
    CHECK(unix_of(9999, 12, 31, 23, 59, 59) == 253402300799);
}

TEST_CASE("calendar: invalid dates are refused") {
    CHECK(calendar::to_unix_seconds(DateTime{2100, 2, 29, 0, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2023, 2, 29, 0, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2024, 2, 29, 0, 0, 0}).ok());
    CHECK(calendar::to_unix_seconds(DateTime{2026, 4, 31, 0, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2026, 0, 1, 0, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2026, 13, 1, 0, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2026, 1, 0, 0, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2026, 1, 1, 24, 0, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2026, 1, 1, 0, 60, 0}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{2026, 1, 1, 0, 0, 60}).error() == Error::kInvalid);
    CHECK(calendar::to_unix_seconds(DateTime{calendar::kMaxYear + 1, 1, 1, 0, 0, 0}).error() ==
          Error::kInvalid);
}

TEST_CASE("calendar: from_unix_seconds is the inverse, before and after 1970") {
    CHECK(calendar::from_unix_seconds(0) == DateTime{1970, 1, 1, 0, 0, 0});
    CHECK(calendar::from_unix_seconds(-1) == DateTime{1969, 12, 31, 23, 59, 59});
    CHECK(calendar::from_unix_seconds(951782400) == DateTime{2000, 2, 29, 0, 0, 0});
    CHECK(calendar::from_unix_seconds(4107542399) == DateTime{2100, 2, 28, 23, 59, 59});
    CHECK(calendar::from_unix_seconds(4107542400) == DateTime{2100, 3, 1, 0, 0, 0});
    CHECK(calendar::from_unix_seconds(1796011506) == DateTime{2026, 11, 30, 4, 5, 6});
    // Every day from 1600 to 2500, both ways, and each day one past the last.
    int64_t expected_days = calendar::days_from_civil(1600, 1, 1);
    for (int64_t y = 1600; y <= 2500; ++y) {
        for (uint32_t m = 1; m <= 12; ++m) {
            for (uint32_t d = 1; d <= calendar::days_in_month(y, m); ++d) {
                int64_t days = calendar::days_from_civil(y, m, d);
                REQUIRE(days == expected_days);
                ++expected_days;
                DateTime t{y, m, d, 13, 7, 42};
                REQUIRE(calendar::from_unix_seconds(days * 86400 + 13 * 3600 + 7 * 60 + 42) == t);
            }
        }
    }
    // Extremes convert without overflow.
    DateTime far = calendar::from_unix_seconds(
        calendar::days_from_civil(calendar::kMaxYear, 12, 31) * calendar::kSecondsPerDay);
    CHECK(far == DateTime{calendar::kMaxYear, 12, 31, 0, 0, 0});
    DateTime early = calendar::from_unix_seconds(
        calendar::days_from_civil(calendar::kMinYear, 1, 1) * calendar::kSecondsPerDay);
    CHECK(early == DateTime{calendar::kMinYear, 1, 1, 0, 0, 0});
}

TEST_CASE("calendar: agrees with the host's timegm") {
    // A spread of seconds from 1901 to 2400 (glibc's timegm is exact there).
    for (int64_t s = -2'200'000'000; s < 13'500'000'000; s += 7'777'777) {
        DateTime t = calendar::from_unix_seconds(s);
        struct tm tm = {};
        tm.tm_year = int(t.year - 1900);
        tm.tm_mon = int(t.month - 1);
        tm.tm_mday = int(t.day);
        tm.tm_hour = int(t.hour);
        tm.tm_min = int(t.minute);
        tm.tm_sec = int(t.second);
        REQUIRE(int64_t(timegm(&tm)) == s);
        REQUIRE(unix_of(t.year, t.month, t.day, t.hour, t.minute, t.second) == s);
    }
}
