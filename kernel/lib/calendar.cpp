#include "lib/calendar.h"

namespace nyanos::calendar {

namespace {

// Floor division for a positive divisor.
constexpr int64_t floor_div(int64_t a, int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

}  // namespace

// The year is counted from March, so the leap day is the last day of its
// year; an era is 400 such years.
int64_t days_from_civil(int64_t year, uint32_t month, uint32_t day) {
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;                               // [0, 399]
    int64_t month_from_march = month > 2 ? month - 3 : month + 9;      // [0, 11]
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;  // [0, 365]
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146'097 + day_of_era - 719'468;  // 719,468: 0000-03-01 to 1970-01-01
}

bool valid(const DateTime& t) {
    if (t.year < kMinYear || t.year > kMaxYear) return false;
    uint32_t days = days_in_month(t.year, t.month);
    if (days == 0 || t.day < 1 || t.day > days) return false;
    return t.hour < 24 && t.minute < 60 && t.second < 60;
}

Result<int64_t> to_unix_seconds(const DateTime& t) {
    if (!valid(t)) return Error::kInvalid;
    int64_t days = days_from_civil(t.year, t.month, t.day);
    return days * kSecondsPerDay + int64_t(t.hour) * 3600 + int64_t(t.minute) * 60 + t.second;
}

DateTime from_unix_seconds(int64_t seconds) {
    int64_t days = floor_div(seconds, kSecondsPerDay);
    int64_t second_of_day = seconds - days * kSecondsPerDay;  // [0, 86399]
    int64_t z = days + 719'468;
    int64_t era = floor_div(z, 146'097);
    int64_t day_of_era = z - era * 146'097;  // [0, 146096]
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;  // [0, 11]
    DateTime t;
    t.day = uint32_t(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    t.month = uint32_t(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    t.year = year_of_era + era * 400 + (t.month <= 2 ? 1 : 0);
    t.hour = uint32_t(second_of_day / 3600);
    t.minute = uint32_t(second_of_day / 60 % 60);
    t.second = uint32_t(second_of_day % 60);
    return t;
}

}  // namespace nyanos::calendar
