#include "lib/cmos_rtc.h"

namespace nyanos::rtc {

namespace {

// A register's value in binary, or false for a BCD digit above 9.
bool to_binary(uint8_t raw, bool bcd, uint32_t& out) {
    if (!bcd) {
        out = raw;
        return true;
    }
    uint8_t high = raw >> 4, low = raw & 0x0f;
    if (high > 9 || low > 9) return false;
    out = uint32_t(high) * 10 + low;
    return true;
}

}  // namespace

Result<calendar::DateTime> decode(const Snapshot& s) {
    bool bcd = !(s.status_b & kStatusBBinary);
    bool twelve_hour = !(s.status_b & kStatusB24Hour);
    calendar::DateTime t;
    uint32_t year = 0, century = 20, hour = 0;
    bool pm = twelve_hour && (s.hours & kHourPm);
    uint8_t raw_hour = twelve_hour ? uint8_t(s.hours & ~kHourPm) : s.hours;
    if (!to_binary(s.seconds, bcd, t.second) || !to_binary(s.minutes, bcd, t.minute) ||
        !to_binary(raw_hour, bcd, hour) || !to_binary(s.day, bcd, t.day) ||
        !to_binary(s.month, bcd, t.month) || !to_binary(s.year, bcd, year))
        return Error::kInvalid;
    if (s.has_century && !to_binary(s.century, bcd, century)) return Error::kInvalid;
    if (year > 99) return Error::kInvalid;
    if (twelve_hour) {
        if (hour < 1 || hour > 12) return Error::kInvalid;
        hour %= 12;  // 12 AM is midnight, 12 PM noon
        if (pm) hour += 12;
    }
    t.hour = hour;
    t.year = int64_t(century) * 100 + year;
    if (!calendar::valid(t)) return Error::kInvalid;
    return t;
}

}  // namespace nyanos::rtc
