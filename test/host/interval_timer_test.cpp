// setitimer's rules: timeval checks, what getitimer reports, ITIMER_REAL
// firing and re-arming when SIGALRM is taken, the CPU timers' ticks and
// periods, alarm's rounding: as Linux 6.1's kernel/time/itimer.c.
#include <doctest/doctest.h>

#include "proc/interval_timer.h"

using namespace nyanos;
using namespace nyanos::proc;

namespace {
constexpr uint64_t kMs = 1'000'000, kSec = 1'000'000'000, kTick = kMs;
}

TEST_CASE("itimer: timevals are checked and clamped") {
    CHECK(timer_ns_from_timeval(1, 500'000).value() == 1'500'000'000);
    CHECK(timer_ns_from_timeval(0, 0).value() == 0);
    CHECK(timer_ns_from_timeval(-1, 0).error() == Error::kInvalid);
    CHECK(timer_ns_from_timeval(0, -1).error() == Error::kInvalid);
    CHECK(timer_ns_from_timeval(0, 1'000'000).error() == Error::kInvalid);
    CHECK(timer_ns_from_timeval(INT64_MAX, 999'999).value() == kTimerMaxNs);
}

TEST_CASE("itimer: alarm rounds the seconds left to nearest, never to 0") {
    CHECK(alarm_seconds(0) == 0);
    CHECK(alarm_seconds(1) == 1);
    CHECK(alarm_seconds(kSec - 1) == 1);
    CHECK(alarm_seconds(kSec) == 1);
    CHECK(alarm_seconds(kSec + kSec / 2 - 1) == 1);
    CHECK(alarm_seconds(kSec + kSec / 2) == 2);
    CHECK(alarm_seconds(9 * kSec + 700 * kMs) == 10);
}

TEST_CASE("itimer: ITIMER_REAL fires once due and re-arms when SIGALRM is taken") {
    IntervalTimers t;
    sync::Guard lock(g_itimer_lock);
    t.set(kItimerReal, TimerValue{100 * kMs, 30 * kMs}, 1000 * kMs, kTick);
    CHECK(t.get(kItimerReal, 1040 * kMs, kTick).value_ns == 60 * kMs);
    CHECK(t.get(kItimerReal, 1040 * kMs, kTick).interval_ns == 30 * kMs);
    CHECK(!t.expire_real(1099 * kMs));
    // Due but not yet fired (the next tick will): 1 us left.
    CHECK(t.get(kItimerReal, 1100 * kMs, kTick).value_ns == 1000);
    CHECK(t.expire_real(1100 * kMs));
    CHECK(!t.expire_real(1200 * kMs));
    // Not queued until its SIGALRM is taken: getitimer says 0, the period stays.
    CHECK(t.get(kItimerReal, 1150 * kMs, kTick).value_ns == 0);
    CHECK(t.get(kItimerReal, 1150 * kMs, kTick).interval_ns == 30 * kMs);
    // Taken at 1165: the next period boundary after it is 1190.
    CHECK(t.rearm_real(1165 * kMs));
    CHECK(t.real_expires == 1190 * kMs);
    CHECK(!t.rearm_real(1166 * kMs));  // queued already
    // Exactly on a boundary: the one after.
    CHECK(t.expire_real(1190 * kMs));
    CHECK(t.rearm_real(1220 * kMs));
    CHECK(t.real_expires == 1250 * kMs);
    // A one-shot timer is not re-armed; setting 0 drops the period too.
    t.set(kItimerReal, TimerValue{10 * kMs, 0}, 0, kTick);
    CHECK(t.expire_real(10 * kMs));
    CHECK(!t.rearm_real(20 * kMs));
    t.set(kItimerReal, TimerValue{0, 5 * kMs}, 0, kTick);
    CHECK(t.get(kItimerReal, 0, kTick).interval_ns == 0);
    CHECK(t.real_expires == 0);
}

TEST_CASE("itimer: the CPU timers count ticks, get one more, reload on expiry") {
    IntervalTimers t;
    sync::Guard lock(g_itimer_lock);
    t.set(kItimerVirtual, TimerValue{3 * kMs, 2 * kMs}, 0, kTick);
    CHECK(t.get(kItimerVirtual, 0, kTick).value_ns == 4 * kMs);  // + TICK_NSEC
    CHECK(!t.charge_cpu(kItimerVirtual, kTick));
    CHECK(!t.charge_cpu(kItimerVirtual, kTick));
    CHECK(!t.charge_cpu(kItimerVirtual, kTick));
    CHECK(t.charge_cpu(kItimerVirtual, kTick));  // 4 ticks
    CHECK(t.get(kItimerVirtual, 0, kTick).value_ns == 2 * kMs);
    CHECK(!t.charge_cpu(kItimerVirtual, kTick));
    CHECK(t.charge_cpu(kItimerVirtual, kTick));
    // One shot: disarmed after it fires.
    t.set(kItimerProf, TimerValue{kMs / 2, 0}, 0, kTick);
    CHECK(!t.charge_cpu(kItimerProf, kTick));  // 1.5 ms
    CHECK(t.charge_cpu(kItimerProf, kTick));
    CHECK(!t.charge_cpu(kItimerProf, kTick));
    CHECK(t.get(kItimerProf, 0, kTick).value_ns == 0);
    // Unarmed timers never fire.
    IntervalTimers none;
    CHECK(!none.charge_cpu(kItimerVirtual, kSec));
    CHECK(!none.charge_cpu(kItimerProf, kSec));
}
