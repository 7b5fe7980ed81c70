// Software key repeat: the delay, the rate, which key repeats, and late polls.
#include <doctest/doctest.h>

#include "lib/key_repeat.h"

using namespace nyanos;

namespace {

constexpr uint64_t kStart = 1'000'000'000;  // an arbitrary boot time
constexpr uint64_t kMs = 1'000'000;
constexpr uint8_t kA = 0x04, kB = 0x05;

// How many repeats polling every `step` from `from` (exclusive) to `to` (inclusive) gives.
int repeats_between(KeyRepeat& r, uint64_t from, uint64_t to, uint64_t step) {
    int n = 0;
    for (uint64_t t = from + step; t <= to; t += step) n += r.poll(t) != 0;
    return n;
}

}  // namespace

TEST_CASE("key repeat: nothing repeats before a press") {
    KeyRepeat r;
    CHECK(!r.active());
    CHECK(r.poll(0) == 0);
    CHECK(r.poll(kStart * 10) == 0);
}

TEST_CASE("key repeat: the first repeat after the delay, then 30 a second") {
    KeyRepeat r;
    r.key_pressed(kA, kStart);
    CHECK(r.active());
    CHECK(r.key() == kA);
    CHECK(r.next_due_ns() == kStart + KeyRepeat::kDelayNs);
    CHECK(r.poll(kStart) == 0);
    CHECK(r.poll(kStart + KeyRepeat::kDelayNs - 1) == 0);
    CHECK(r.poll(kStart + KeyRepeat::kDelayNs) == kA);
    CHECK(r.poll(kStart + KeyRepeat::kDelayNs) == 0);  // one per due time
    // Over the next second, polled every millisecond: 30 repeats (give or take the edge).
    int n = repeats_between(r, kStart + KeyRepeat::kDelayNs,
                            kStart + KeyRepeat::kDelayNs + 1000 * kMs, kMs);
    CHECK(n >= 29);
    CHECK(n <= 31);
}

TEST_CASE("key repeat: only the last pressed key repeats; its release stops it") {
    KeyRepeat r;
    r.key_pressed(kA, kStart);
    r.key_pressed(kB, kStart + 100 * kMs);  // restarts the delay for B
    CHECK(r.poll(kStart + KeyRepeat::kDelayNs) == 0);
    CHECK(r.poll(kStart + 100 * kMs + KeyRepeat::kDelayNs) == kB);
    r.key_released(kA);  // not the repeating key: B goes on
    CHECK(r.active());
    CHECK(r.poll(kStart + 100 * kMs + KeyRepeat::kDelayNs + KeyRepeat::kPeriodNs) == kB);
    r.key_released(kB);
    CHECK(!r.active());
    CHECK(r.poll(kStart * 10) == 0);
}

TEST_CASE("key repeat: a late poll gives one repeat, not a burst") {
    KeyRepeat r;
    r.key_pressed(kA, kStart);
    uint64_t late = kStart + KeyRepeat::kDelayNs + 10 * KeyRepeat::kPeriodNs + 5 * kMs;
    CHECK(r.poll(late) == kA);
    CHECK(r.poll(late) == 0);
    CHECK(r.next_due_ns() == late + KeyRepeat::kPeriodNs);
    CHECK(r.poll(late + KeyRepeat::kPeriodNs - 1) == 0);
    CHECK(r.poll(late + KeyRepeat::kPeriodNs) == kA);
}

TEST_CASE("key repeat: cancel stops it; a new press starts over") {
    KeyRepeat r;
    r.key_pressed(kA, kStart);
    r.cancel();
    CHECK(!r.active());
    CHECK(r.poll(kStart + KeyRepeat::kDelayNs) == 0);
    r.key_pressed(kA, kStart + 2000 * kMs);
    CHECK(r.poll(kStart + 2000 * kMs + KeyRepeat::kDelayNs) == kA);
}
