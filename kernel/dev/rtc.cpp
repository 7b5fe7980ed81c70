#include "dev/rtc.h"

#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "dev/acpi.h"
#include "lib/calendar.h"
#include "lib/cmos_rtc.h"
#include "lib/console.h"
#include "lib/wall_clock.h"
#include "syscall/linux_time_abi.h"

namespace nyanos::rtc {

namespace {

constexpr uint16_t kCmosIndex = 0x70;
constexpr uint16_t kCmosData = 0x71;

// Without bit 7 in the index (NMIs stay enabled), as Linux's CMOS_READ.
uint8_t read_cmos(uint8_t reg) {
    arch::outb(kCmosIndex, reg);
    return arch::inb(kCmosData);
}

struct FirmwareRtc {
    uint8_t century_register = 0;
    bool absent = false;
};

FirmwareRtc from_fadt(uint64_t rsdp_phys) {
    FirmwareRtc rtc;
    auto table = acpi::find_table(rsdp_phys, "FACP");
    if (!table.ok()) return rtc;
    auto fadt = acpi::parse_fadt(table.value().data, table.value().length);
    if (!fadt.ok()) return rtc;
    rtc.century_register = fadt.value().century;
    rtc.absent = fadt.value().no_cmos_rtc;
    return rtc;
}

void start_at_epoch(const char* why) {
    (void)wall_clock().set(arch::monotonic_ns(), arch::monotonic_ns());
    kprintf("time: %s; realtime starts at 1970-01-01 00:00:00 UTC\n", why);
}

}  // namespace

void init_wall_clock(uint64_t rsdp_phys) {
    FirmwareRtc firmware = from_fadt(rsdp_phys);
    if (firmware.absent) return start_at_epoch("no CMOS RTC (ACPI FADT)");
    auto snapshot = read_snapshot(read_cmos, firmware.century_register);
    uint64_t monotonic = arch::monotonic_ns();
    if (!snapshot.ok()) return start_at_epoch("the RTC never settled");
    auto date = decode(snapshot.value());
    if (!date.ok()) return start_at_epoch("the RTC holds no valid date");
    const calendar::DateTime& t = date.value();
    int64_t seconds = calendar::to_unix_seconds(t).value();
    if (seconds <= 0 || seconds >= sys::linux_abi::kSettodSecondsMax)
        return start_at_epoch("the RTC's date is out of range");
    uint64_t realtime = uint64_t(seconds) * 1'000'000'000ull;
    // The RTC counts whole seconds: its value is at most a second behind.
    if (!wall_clock().set(realtime > monotonic ? realtime : monotonic, monotonic).ok())
        return start_at_epoch("the RTC's date is out of range");
    kprintf("time: rtc %04ld-%02u-%02u %02u:%02u:%02u UTC epoch=%ld\n", t.year, t.month, t.day,
            t.hour, t.minute, t.second, seconds);
}

}  // namespace nyanos::rtc
