// POSIX timers' bookkeeping: IDs as Linux hands them out, the expiry and
// overrun arithmetic, what timer_gettime reports, and no leak when the
// caller's allocation of a timer fails at any point.
#include <doctest/doctest.h>

#include <new>

#include "failing_new.h"
#include "proc/posix_timer.h"

using namespace nyanos;
using namespace nyanos::proc;

namespace {
constexpr uint64_t kMs = 1'000'000;
}

TEST_CASE("posix timers: IDs count up from 0, skip those in use, and wrap at INT_MAX") {
    PosixTimerSet set;
    for (int32_t want = 0; want < 3; ++want) {
        auto* t = new PosixTimer;
        auto id = set.add(t, 100);
        REQUIRE(id.ok());
        CHECK(id.value() == want);
        CHECK(set.find(want) == t);
    }
    CHECK(set.count() == 3);
    PosixTimer* gone = set.remove(1);
    REQUIRE(gone);
    CHECK(gone->id == 1);
    delete gone;
    CHECK(set.find(1) == nullptr);
    CHECK(set.remove(1) == nullptr);
    CHECK(set.remove(-1) == nullptr);
    // Linux does not reuse 1 at once: the next ID is 3.
    auto* t = new PosixTimer;
    CHECK(set.add(t, 100).value() == 3);
    CHECK(set.count() == 3);
}

TEST_CASE("posix timers: the limit gives EAGAIN and leaves the timer with the caller") {
    PosixTimerSet set;
    auto* a = new PosixTimer;
    REQUIRE(set.add(a, 1).ok());
    auto* b = new PosixTimer;
    CHECK(set.add(b, 1).error() == Error::kAgain);
    CHECK(set.count() == 1);
    delete b;
}

TEST_CASE("posix timers: forward_expiry counts the periods skipped") {
    uint64_t e = 100;
    CHECK(forward_expiry(e, 10, 100) == 0);
    CHECK(e == 110);
    e = 100;
    CHECK(forward_expiry(e, 10, 109) == 0);
    CHECK(e == 110);
    e = 100;
    CHECK(forward_expiry(e, 10, 110) == 1);
    CHECK(e == 120);
    e = 100;
    CHECK(forward_expiry(e, 10, 1000) == 90);
    CHECK(e == 1010);
    // Skips beyond INT_MAX saturate; deadlines beyond KTIME_MAX clamp.
    e = 1;
    CHECK(forward_expiry(e, 1, uint64_t(1) << 40) == uint32_t(kDelaytimerMax));
    e = kTimerMaxNs - 5;
    CHECK(forward_expiry(e, kTimerMaxNs / 2, kTimerMaxNs - 1) == 0);
    CHECK(e == kTimerMaxNs);
}

TEST_CASE("posix timers: one-shot and periodic expiry, and what gettime reports") {
    PosixTimer t;
    t.set(1000 * kMs, 0);
    CHECK(t.get(900 * kMs).value_ns == 100 * kMs);
    CHECK(t.get(900 * kMs).interval_ns == 0);
    // Due but the tick has not fired it: 1 ns, as Linux reports.
    CHECK(t.get(1000 * kMs).value_ns == 1);
    CHECK(t.fire(1001 * kMs) == 0);
    CHECK(t.expires_ns == 0);
    CHECK(t.get(1002 * kMs).value_ns == 0);

    t.set(1000 * kMs, 30 * kMs);
    CHECK(t.fire(1000 * kMs) == 0);
    CHECK(t.expires_ns == 1030 * kMs);
    CHECK(t.get(1010 * kMs).value_ns == 20 * kMs);
    CHECK(t.get(1010 * kMs).interval_ns == 30 * kMs);
    // Late by three periods and a bit: three missed.
    CHECK(t.fire(1125 * kMs) == 3);
    CHECK(t.expires_ns == 1150 * kMs);

    // A zero value disarms and drops the period; overrun_last resets.
    t.overrun_last = 7;
    t.set(0, 30 * kMs);
    CHECK(t.expires_ns == 0);
    CHECK(t.interval_ns == 0);
    CHECK(t.overrun_last == 0);
    CHECK(t.get(5).value_ns == 0);
}

TEST_CASE("posix timers: SIGEV_NONE timers are computed, never fired") {
    PosixTimer t;
    t.notify = kSigevNone;
    t.set(100 * kMs, 0);
    CHECK(t.get(50 * kMs).value_ns == 50 * kMs);
    CHECK(t.get(100 * kMs).value_ns == 0);
    CHECK(t.get(200 * kMs).value_ns == 0);
    t.set(100 * kMs, 40 * kMs);
    CHECK(t.get(150 * kMs).value_ns == 30 * kMs);
    CHECK(t.get(150 * kMs).interval_ns == 40 * kMs);
    CHECK(t.expires_ns == 100 * kMs);  // get changes nothing
}

TEST_CASE("posix timers: allocation failure at every N leaks nothing") {
    // The kernel's sequence: a set on the first create, then a timer each.
    for (size_t n = 1; n <= 9; ++n) {  // the set and eight timers
        test::FailNothrowNew fail(n);
        PosixTimerSet* set = new (std::nothrow) PosixTimerSet;
        int made = 0;
        if (set) {
            for (int i = 0; i < 8; ++i) {
                auto* t = new (std::nothrow) PosixTimer;
                if (!t) continue;
                if (set->add(t, 8).ok())
                    ++made;
                else
                    delete t;
            }
            CHECK(int(set->count()) == made);
            for (int32_t id = 0; id < 8; ++id) {
                if (PosixTimer* t = set->remove(id)) delete t;
                if (id == 3) break;  // the rest go with the set
            }
        }
        delete set;
        CHECK(fail.triggered());
    }
}
