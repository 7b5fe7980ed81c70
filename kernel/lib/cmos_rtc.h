// The MC146818-compatible CMOS real-time clock every PC has (or emulates):
// reading a consistent snapshot of its date registers and decoding it.
// Portable: the caller supplies the register reads (kernel/dev/rtc.cpp does
// the port I/O), so the tests can play an RTC that is mid-update, in BCD or
// binary, in 12- or 24-hour mode.
//
// The registers are read while the RTC may be updating them: a read is
// started only once the update-in-progress flag (status A bit 7) is clear,
// and a snapshot is trusted only when two reads in a row agree, so a
// rollover between two registers (23:59:59 -> 00:00:00 on the last day of a
// year) cannot give a mixed date.
#pragma once

#include <stdint.h>

#include "lib/calendar.h"
#include "nyanos/lib/result.h"

namespace nyanos::rtc {

// CMOS register indices (port 0x70 selects, port 0x71 reads).
inline constexpr uint8_t kRegSeconds = 0x00;
inline constexpr uint8_t kRegMinutes = 0x02;
inline constexpr uint8_t kRegHours = 0x04;
inline constexpr uint8_t kRegDayOfMonth = 0x07;
inline constexpr uint8_t kRegMonth = 0x08;
inline constexpr uint8_t kRegYear = 0x09;
inline constexpr uint8_t kRegStatusA = 0x0a;
inline constexpr uint8_t kRegStatusB = 0x0b;

inline constexpr uint8_t kStatusAUpdateInProgress = 0x80;
inline constexpr uint8_t kStatusB24Hour = 0x02;  // clear: 12-hour mode, PM in the hour's bit 7
inline constexpr uint8_t kStatusBBinary = 0x04;  // clear: every date register is BCD
inline constexpr uint8_t kHourPm = 0x80;

// A century register (its index comes from the ACPI FADT's CENTURY field)
// lies in CMOS RAM after the clock and status registers and within the
// standard 128 bytes; another index is not trusted.
constexpr bool century_register_usable(uint8_t index) {
    return index >= 0x0e && index < 0x80;
}

// The raw date registers, as read.
struct Snapshot {
    uint8_t seconds = 0;
    uint8_t minutes = 0;
    uint8_t hours = 0;
    uint8_t day = 0;
    uint8_t month = 0;
    uint8_t year = 0;     // 0..99 within the century
    uint8_t century = 0;  // meaningful only if has_century
    bool has_century = false;
    uint8_t status_b = 0;
    bool operator==(const Snapshot&) const = default;
};

// Decodes a snapshot: BCD or binary (status B bit 2, the century register
// too), 12- or 24-hour (status B bit 1; 12 AM is 0 h, 12 PM is 12 h). Without
// a century register the year is taken to be 20xx. kInvalid if a BCD digit
// is above 9 or a field is out of range (no such date), as on an RTC whose
// battery died.
Result<calendar::DateTime> decode(const Snapshot& s);

inline constexpr unsigned kMaxUpdateWaitPolls = 100'000;  // UIP lasts ~2 ms
inline constexpr unsigned kMaxReadAttempts = 8;

// Reads a consistent snapshot through read(register) -> value: waits for
// update-in-progress to clear (at most kMaxUpdateWaitPolls polls), reads
// every register, and repeats until two reads agree (at most
// kMaxReadAttempts). `century_register` 0 (or an unusable index) means
// there is none. kBusy if the RTC never settled.
template <typename ReadRegister>
Result<Snapshot> read_snapshot(ReadRegister&& read, uint8_t century_register) {
    bool has_century = century_register_usable(century_register);
    auto read_once = [&](Snapshot& s) -> bool {
        unsigned polls = 0;
        while (read(kRegStatusA) & kStatusAUpdateInProgress)
            if (++polls >= kMaxUpdateWaitPolls) return false;
        s.seconds = read(kRegSeconds);
        s.minutes = read(kRegMinutes);
        s.hours = read(kRegHours);
        s.day = read(kRegDayOfMonth);
        s.month = read(kRegMonth);
        s.year = read(kRegYear);
        s.has_century = has_century;
        s.century = has_century ? read(century_register) : 0;
        s.status_b = read(kRegStatusB);
        return true;
    };
    Snapshot previous;
    if (!read_once(previous)) return Error::kBusy;
    for (unsigned attempt = 1; attempt < kMaxReadAttempts; ++attempt) {
        Snapshot next;
        if (!read_once(next)) return Error::kBusy;
        if (next == previous) return next;
        previous = next;
    }
    return Error::kBusy;
}

}  // namespace nyanos::rtc
