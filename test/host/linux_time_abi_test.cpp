// The Linux time ABI's rules: clock IDs (CPU-clock encoding included),
// timespec validation, conversions; the realtime clock's offset.
#include <doctest/doctest.h>

#include "lib/wall_clock.h"
#include "syscall/linux_time_abi.h"

using namespace nyanos;
using namespace nyanos::sys::linux_abi;

namespace {

// Linux's MAKE_PROCESS_CPUCLOCK / MAKE_THREAD_CPUCLOCK.
int32_t process_cpu_clock(int32_t pid, int32_t measure) {
    return int32_t((~uint32_t(pid) << 3) | uint32_t(measure));
}
int32_t thread_cpu_clock(int32_t tid, int32_t measure) {
    return int32_t((~uint32_t(tid) << 3) | 4u | uint32_t(measure));
}

ClockKind kind_of(int32_t id) {
    auto c = decode_clock(id);
    REQUIRE(c.ok());
    return c.value().kind;
}

}  // namespace

TEST_CASE("linux time: the fixed clock IDs") {
    CHECK(kind_of(kClockRealtime) == ClockKind::kRealtime);
    CHECK(kind_of(kClockMonotonic) == ClockKind::kMonotonic);
    CHECK(kind_of(kClockMonotonicRaw) == ClockKind::kMonotonicRaw);
    CHECK(kind_of(kClockRealtimeCoarse) == ClockKind::kRealtimeCoarse);
    CHECK(kind_of(kClockMonotonicCoarse) == ClockKind::kMonotonicCoarse);
    CHECK(kind_of(kClockBoottime) == ClockKind::kBoottime);
    CHECK(kind_of(kClockTai) == ClockKind::kTai);
    CHECK(kind_of(kClockRealtimeAlarm) == ClockKind::kAlarm);
    CHECK(kind_of(kClockBoottimeAlarm) == ClockKind::kAlarm);
    auto process = decode_clock(kClockProcessCputimeId);
    REQUIRE(process.ok());
    CHECK(process.value().kind == ClockKind::kCpu);
    CHECK(process.value().pid == 0);
    CHECK_FALSE(process.value().per_thread);
    CHECK(process.value().measure == CpuMeasure::kSched);
    auto thread = decode_clock(kClockThreadCputimeId);
    REQUIRE(thread.ok());
    CHECK(thread.value().per_thread);
    CHECK(thread.value().pid == 0);
    // 10 (the old SGI cycle counter) and anything past TAI are unknown.
    CHECK(decode_clock(10).error() == Error::kInvalid);
    CHECK(decode_clock(12).error() == Error::kInvalid);
    CHECK(decode_clock(1000).error() == Error::kInvalid);
}

TEST_CASE("linux time: encoded CPU clocks and file-descriptor clocks") {
    // clock_getcpuclockid(0) as glibc makes it: the caller's process.
    auto self = decode_clock(process_cpu_clock(0, 2));
    REQUIRE(self.ok());
    CHECK(self.value().kind == ClockKind::kCpu);
    CHECK(self.value().pid == 0);
    CHECK(self.value().measure == CpuMeasure::kSched);
    CHECK(process_cpu_clock(0, 2) == -6);
    // musl: (-pid - 1) * 8 + 2.
    auto p42 = decode_clock((-42 - 1) * 8 + 2);
    REQUIRE(p42.ok());
    CHECK(p42.value().pid == 42);
    CHECK_FALSE(p42.value().per_thread);
    auto t7 = decode_clock(thread_cpu_clock(7, 1));
    REQUIRE(t7.ok());
    CHECK(t7.value().pid == 7);
    CHECK(t7.value().per_thread);
    CHECK(t7.value().measure == CpuMeasure::kVirt);
    CHECK(decode_clock(process_cpu_clock(5, 0)).value().measure == CpuMeasure::kProf);
    // Low bits 3: a posix-clock device by file descriptor (FD_TO_CLOCKID).
    CHECK(decode_clock(int32_t((~uint32_t(3) << 3) | 3u)).error() == Error::kInvalid);
    CHECK(decode_clock(-1).error() == Error::kInvalid);  // per-thread, measure 3
}

TEST_CASE("linux time: resolutions") {
    constexpr uint64_t kTick = 1'000'000;
    auto res = [&](int32_t id) {
        Timespec t = resolution(decode_clock(id).value(), kTick);
        return t.tv_sec * kNsPerSecond + t.tv_nsec;
    };
    CHECK(res(kClockRealtime) == 1);
    CHECK(res(kClockMonotonic) == 1);
    CHECK(res(kClockMonotonicRaw) == 1);
    CHECK(res(kClockBoottime) == 1);
    CHECK(res(kClockTai) == 1);
    CHECK(res(kClockRealtimeCoarse) == int64_t(kTick));
    CHECK(res(kClockMonotonicCoarse) == int64_t(kTick));
    CHECK(res(kClockProcessCputimeId) == int64_t(kTick));
    CHECK(res(kClockThreadCputimeId) == int64_t(kTick));
}

TEST_CASE("linux time: timespec validity and conversions") {
    CHECK(valid(Timespec{0, 0}));
    CHECK(valid(Timespec{5, 999'999'999}));
    CHECK_FALSE(valid(Timespec{5, 1'000'000'000}));
    CHECK_FALSE(valid(Timespec{5, -1}));
    CHECK_FALSE(valid(Timespec{-1, 0}));
    CHECK(valid(Timespec{INT64_MAX, 0}));
    CHECK(valid_for_settime(Timespec{kSettodSecondsMax - 1, 999'999'999}));
    CHECK_FALSE(valid_for_settime(Timespec{kSettodSecondsMax, 0}));
    CHECK_FALSE(valid_for_settime(Timespec{0, 1'000'000'000}));

    CHECK(to_ns_saturating(Timespec{0, 0}) == 0);
    CHECK(to_ns_saturating(Timespec{1, 5}) == 1'000'000'005);
    CHECK(to_ns_saturating(Timespec{18'446'744'073, 709'551'615}) == ~0ull);
    CHECK(to_ns_saturating(Timespec{18'446'744'073, 709'551'614}) == ~0ull - 1);
    CHECK(to_ns_saturating(Timespec{18'446'744'074, 0}) == ~0ull);
    CHECK(to_ns_saturating(Timespec{INT64_MAX, 999'999'999}) == ~0ull);

    Timespec ts = timespec_from_ns(3'000'000'123);
    CHECK(ts.tv_sec == 3);
    CHECK(ts.tv_nsec == 123);
    Timeval tv = timeval_from_ns(3'000'999'999);
    CHECK(tv.tv_sec == 3);
    CHECK(tv.tv_usec == 999);  // truncated, like Linux
    CHECK(clock_t_from_ns(1'234'567'890) == 123);
}

TEST_CASE("wall clock: realtime is monotonic plus an offset, never before boot") {
    WallClock clock;
    CHECK(clock.realtime_ns(500) == 500);
    REQUIRE(clock.set(1'796'011'506'000'000'000ull, 2'000'000'000).ok());
    CHECK(clock.offset_ns() == 1'796'011'504'000'000'000ull);
    CHECK(clock.realtime_ns(3'000'000'000) == 1'796'011'507'000'000'000ull);
    CHECK(clock.monotonic_at(1'796'011'510'000'000'000ull) == 6'000'000'000);
    CHECK(clock.monotonic_at(5) == 0);  // long past
    // Linux refuses a realtime earlier than the time since boot.
    CHECK(clock.set(1'999'999'999, 2'000'000'000).error() == Error::kInvalid);
    CHECK(clock.offset_ns() == 1'796'011'504'000'000'000ull);
    REQUIRE(clock.set(2'000'000'000, 2'000'000'000).ok());
    CHECK(clock.offset_ns() == 0);
}
