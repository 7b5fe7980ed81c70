// Spinlocks under real host threads: mutual exclusion, try_lock, and the
// recursive-lock check.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "host_panic.h"
#include "sync/spinlock.h"

using namespace nyanos;

TEST_CASE("SpinLock: four threads incrementing under the lock lose no update") {
    sync::SpinLock lock;
    uint64_t counter = 0;
    constexpr int kThreads = 4, kRounds = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kRounds; ++i) {
                sync::Guard guard(lock);
                uint64_t v = counter;  // a read-modify-write the lock must make atomic
                counter = v + 1;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(counter == uint64_t(kThreads) * kRounds);
}

TEST_CASE("SpinLock: try_lock fails while held elsewhere; a recursive lock panics") {
    sync::SpinLock lock;
    lock.lock();
    CHECK(lock.held_here());
    bool other_got_it = true;
    std::thread([&] { other_got_it = lock.try_lock(); }).join();
    CHECK(!other_got_it);
    CHECK_THROWS_AS(lock.lock(), test::HostPanic);
    lock.unlock();
    CHECK(!lock.held_here());
    CHECK(lock.try_lock());
    lock.unlock();
    // Unlocking a lock this CPU does not hold is a broken invariant.
    CHECK_THROWS_AS(lock.unlock(), test::HostPanic);
}

TEST_CASE("IrqSpinLock: the same exclusion on the host (no interrupts there)") {
    sync::IrqSpinLock lock;
    int counter = 0;
    std::thread a([&] {
        for (int i = 0; i < 10000; ++i) {
            sync::Guard guard(lock);
            ++counter;
        }
    });
    for (int i = 0; i < 10000; ++i) {
        sync::Guard guard(lock);
        ++counter;
    }
    a.join();
    CHECK(counter == 20000);
}
