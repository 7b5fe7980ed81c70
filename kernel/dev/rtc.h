// The CMOS real-time clock at boot: the wall-clock time CLOCK_REALTIME
// starts from (lib/wall_clock.h). The RTC is read once; from then on the
// realtime clock runs at the monotonic (TSC) rate, and only clock_settime
// and settimeofday change it (NyanOS never writes the RTC back).
#pragma once

#include <stdint.h>

namespace nyanos::rtc {

// Reads the RTC (ports 0x70/0x71) with the century register the ACPI FADT
// at `rsdp_phys` names (none: 20xx), sets the wall clock and prints one line:
// `time: rtc 2026-11-30 04:05:06 UTC epoch=1796011506`. The RTC is taken to
// keep UTC, as Linux does by default. Without an RTC (the FADT says so), or
// when it reads no valid date before 2232, the clock starts at the epoch
// (1970-01-01 00:00:00 UTC) and the line says why. Call once at boot, after
// init_timer() (the monotonic clock) and before the first process.
void init_wall_clock(uint64_t rsdp_phys);

}  // namespace nyanos::rtc
