// The portable parts of the event files: eventfd's counter (eventfd(2):
// read resets or, in semaphore mode, decrements; writes stop below
// 2^64 - 1) and timerfd's expiry arithmetic (hrtimer_forward's count of
// periods, saturating at KTIME_MAX).
#include <doctest/doctest.h>

#include "fs/event_counter.h"
#include "fs/timer_expiry.h"

using namespace nyanos::fs;

namespace {
constexpr uint64_t kMs = 1'000'000;
}

TEST_CASE("eventfd counter: a read takes everything, then waits") {
    EventCounter c(3, false);
    CHECK(c.readable());
    CHECK(c.take() == 3);
    CHECK(c.value() == 0);
    CHECK_FALSE(c.readable());
    CHECK(c.take() == 0);  // nothing: the reader waits
    c.add(5);
    c.add(7);
    CHECK(c.take() == 12);
}

TEST_CASE("eventfd counter: semaphore mode takes one at a time") {
    EventCounter c(2, true);
    CHECK(c.take() == 1);
    CHECK(c.take() == 1);
    CHECK(c.take() == 0);
    CHECK(c.value() == 0);
}

TEST_CASE("eventfd counter: writes fit up to 2^64 - 2, no further") {
    EventCounter c(0, false);
    CHECK(c.writable());
    CHECK(c.fits(EventCounter::kMax));
    c.add(EventCounter::kMax);
    CHECK_FALSE(c.writable());
    CHECK_FALSE(c.fits(1));
    CHECK(c.fits(0));
    CHECK(c.take() == EventCounter::kMax);
    c.add(10);
    CHECK(c.fits(EventCounter::kMax - 10));
    CHECK_FALSE(c.fits(EventCounter::kMax - 9));
    // 2^64 - 1 never fits (eventfd refuses it before asking).
    CHECK_FALSE(EventCounter(0, false).fits(~uint64_t(0)));
}

TEST_CASE("timerfd expiry: nothing before the deadline") {
    TimerExpiry e = timer_expire(100 * kMs, 10 * kMs, 99 * kMs);
    CHECK(e.count == 0);
    CHECK(e.next == 100 * kMs);
}

TEST_CASE("timerfd expiry: a one-shot fires once and is done") {
    TimerExpiry e = timer_expire(100 * kMs, 0, 100 * kMs);
    CHECK(e.count == 1);
    CHECK(e.next == 0);
    e = timer_expire(100 * kMs, 0, 5000 * kMs);
    CHECK(e.count == 1);
    CHECK(e.next == 0);
}

TEST_CASE("timerfd expiry: a periodic timer counts every period up to now") {
    // Due at 100 ms, every 10 ms, seen at 100: once, next at 110.
    TimerExpiry e = timer_expire(100 * kMs, 10 * kMs, 100 * kMs);
    CHECK(e.count == 1);
    CHECK(e.next == 110 * kMs);
    // Seen at 155: 100, 110, ..., 150 are six expirations; next at 160.
    e = timer_expire(100 * kMs, 10 * kMs, 155 * kMs);
    CHECK(e.count == 6);
    CHECK(e.next == 160 * kMs);
    // Exactly on a period: that one counts, the next is one period on.
    e = timer_expire(100 * kMs, 10 * kMs, 160 * kMs);
    CHECK(e.count == 7);
    CHECK(e.next == 170 * kMs);
    // A 1 ns period over a second.
    e = timer_expire(0, 1, 1'000'000'000);
    CHECK(e.count == 1'000'000'001);
}

TEST_CASE("timerfd expiry: deadlines saturate at KTIME_MAX") {
    CHECK(timer_deadline(5, kTimeMaxNs) == kTimeMaxNs);
    CHECK(timer_deadline(5, 10) == 15);
    CHECK(timer_deadline(kTimeMaxNs, 1) == kTimeMaxNs);
    // A huge period: the next deadline stops at KTIME_MAX, not wrapping.
    TimerExpiry e = timer_expire(10, kTimeMaxNs - 5, 20);
    CHECK(e.count == 1);
    CHECK(e.next == kTimeMaxNs);
    CHECK(timer_remaining(100, 40) == 60);
    CHECK(timer_remaining(100, 100) == 0);
    CHECK(timer_remaining(100, 140) == 0);
}
