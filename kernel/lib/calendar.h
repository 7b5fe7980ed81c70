// Civil dates and the Unix epoch: the proleptic Gregorian calendar in UTC
// (no leap seconds, as Unix time has none). Portable and host-tested.
//
// Days are counted from 1970-01-01 with Howard Hinnant's days_from_civil
// algorithm (eras of 400 years, each exactly 146,097 days), so every year
// from -10^9 to 10^9 converts exactly, both ways, with no table and no loop.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::calendar {

inline constexpr int64_t kSecondsPerDay = 86'400;
// The years to_unix_seconds accepts: far beyond any clock, far below overflow.
inline constexpr int64_t kMinYear = -1'000'000'000;
inline constexpr int64_t kMaxYear = 1'000'000'000;

struct DateTime {
    int64_t year = 1970;
    uint32_t month = 1;  // 1..12
    uint32_t day = 1;    // 1..days_in_month
    uint32_t hour = 0;   // 0..23
    uint32_t minute = 0;
    uint32_t second = 0;  // 0..59
    bool operator==(const DateTime&) const = default;
};

// Every fourth year, except centuries, except every fourth century: 2000 and
// 2400 are leap years, 1900 and 2100 are not.
constexpr bool is_leap_year(int64_t year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// 28..31; 0 for a month outside 1..12.
constexpr uint32_t days_in_month(int64_t year, uint32_t month) {
    constexpr uint8_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    if (month == 2 && is_leap_year(year)) return 29;
    return kDays[month - 1];
}

// Days from 1970-01-01 to year-month-day (negative before it). The date must
// be valid (see valid()).
int64_t days_from_civil(int64_t year, uint32_t month, uint32_t day);

// Every field in range, the day within its month, the year within
// [kMinYear, kMaxYear].
bool valid(const DateTime& t);

// Seconds since 1970-01-01 00:00:00 UTC. kInvalid if !valid(t).
Result<int64_t> to_unix_seconds(const DateTime& t);

// The civil time of Unix second `seconds` (any value: floor division, so
// -1 is 1969-12-31 23:59:59).
DateTime from_unix_seconds(int64_t seconds);

}  // namespace nyanos::calendar
