// The futex waiter table: wakes reach the waiters of one word only, oldest
// first, up to the count, by bitset; requeue wakes then moves in order
// (onto another word, a word in the same bucket, or the same word); a
// waiter that leaves on its own is gone from every later wake; a random
// sequence against a model of per-word queues.
#include <doctest/doctest.h>

#include <stdint.h>

#include <deque>
#include <map>
#include <random>
#include <vector>

#include "proc/futex_table.h"

using namespace nyanos::proc;

namespace {

int g_process_a, g_process_b;  // two processes' memories, by address

FutexKey key_a(uint64_t address) {
    return FutexKey{&g_process_a, address};
}

// Wakes and records who was woken, in order.
struct Woken {
    std::vector<FutexWaiter*> order;
    void operator()(FutexWaiter* w) { order.push_back(w); }
};

}  // namespace

TEST_CASE("futex table: a wake reaches only the waiters of its word, oldest first") {
    FutexTable table;
    FutexWaiter w[4];
    w[0].key = key_a(0x1000);
    w[1].key = key_a(0x1004);
    w[2].key = key_a(0x1000);
    w[3].key = FutexKey{&g_process_b, 0x1000};  // same address, another process
    for (auto& x : w) table.enqueue(&x);

    Woken woken;
    CHECK(table.wake(key_a(0x1000), 1, kFutexBitsetAny, woken) == 1);
    REQUIRE(woken.order.size() == 1);
    CHECK(woken.order[0] == &w[0]);
    CHECK(w[0].woken);
    CHECK_FALSE(w[0].queued);
    CHECK_FALSE(w[2].woken);

    CHECK(table.wake(key_a(0x1000), 10, kFutexBitsetAny, woken) == 1);
    CHECK(woken.order.back() == &w[2]);
    CHECK(table.wake(key_a(0x1000), 10, kFutexBitsetAny, woken) == 0);
    CHECK(table.waiters_on(key_a(0x1004)) == 1);
    CHECK(table.waiters_on(FutexKey{&g_process_b, 0x1000}) == 1);
    CHECK_FALSE(w[1].woken);
    CHECK_FALSE(w[3].woken);
}

TEST_CASE("futex table: bitsets choose the waiters a wake reaches") {
    FutexTable table;
    FutexWaiter w[3];
    for (auto& x : w) x.key = key_a(0x2000);
    w[0].bitset = 0x1;
    w[1].bitset = 0x2;
    w[2].bitset = 0x3;
    for (auto& x : w) table.enqueue(&x);
    Woken woken;
    CHECK(table.wake(key_a(0x2000), 10, 0x2, woken) == 2);
    REQUIRE(woken.order.size() == 2);
    CHECK(woken.order[0] == &w[1]);
    CHECK(woken.order[1] == &w[2]);
    CHECK(w[0].queued);
}

TEST_CASE("futex table: a waiter that leaves is not woken later") {
    FutexTable table;
    FutexWaiter a, b;
    a.key = b.key = key_a(0x3000);
    table.enqueue(&a);
    table.enqueue(&b);
    table.remove(&a);  // timed out
    table.remove(&a);  // twice is harmless
    Woken woken;
    CHECK(table.wake(key_a(0x3000), 1, kFutexBitsetAny, woken) == 1);
    CHECK(woken.order[0] == &b);
    CHECK_FALSE(a.woken);
}

TEST_CASE("futex table: requeue wakes, then moves the rest in order") {
    FutexTable table;
    FutexWaiter w[5], already;
    for (auto& x : w) x.key = key_a(0x4000);
    already.key = key_a(0x5000);
    table.enqueue(&already);
    for (auto& x : w) table.enqueue(&x);
    Woken woken;
    CHECK(table.requeue(key_a(0x4000), key_a(0x5000), 1, 3, woken) == 4);
    CHECK(woken.order.size() == 1);
    CHECK(woken.order[0] == &w[0]);
    CHECK(table.waiters_on(key_a(0x4000)) == 1);  // w[4] stays
    CHECK(table.waiters_on(key_a(0x5000)) == 4);
    // Behind the one already there, in their old order.
    Woken second;
    CHECK(table.wake(key_a(0x5000), 10, kFutexBitsetAny, second) == 4);
    REQUIRE(second.order.size() == 4);
    CHECK(second.order[0] == &already);
    CHECK(second.order[1] == &w[1]);
    CHECK(second.order[2] == &w[2]);
    CHECK(second.order[3] == &w[3]);
}

TEST_CASE("futex table: requeue onto the same word keeps everyone queued once") {
    FutexTable table;
    FutexWaiter w[3];
    for (auto& x : w) x.key = key_a(0x6000);
    for (auto& x : w) table.enqueue(&x);
    Woken woken;
    CHECK(table.requeue(key_a(0x6000), key_a(0x6000), 0, 10, woken) == 3);
    CHECK(table.waiters_on(key_a(0x6000)) == 3);
    CHECK(table.wake(key_a(0x6000), 10, kFutexBitsetAny, woken) == 3);
}

TEST_CASE("futex table: random operations match a model of per-word queues") {
    std::mt19937 rng(7);
    FutexTable table;
    std::vector<FutexWaiter> pool(200);
    std::map<uint64_t, std::deque<FutexWaiter*>> model;
    std::vector<FutexWaiter*> idle;
    for (auto& w : pool) idle.push_back(&w);
    // Few words, so buckets and keys collide often.
    auto word = [&] { return uint64_t(0x10000 + 4 * (rng() % 6)); };
    for (int step = 0; step < 20000; ++step) {
        int op = int(rng() % 4);
        if (op == 0 && !idle.empty()) {
            FutexWaiter* w = idle.back();
            idle.pop_back();
            *w = FutexWaiter{};
            w->key = key_a(word());
            table.enqueue(w);
            model[w->key.address].push_back(w);
        } else if (op == 1) {
            uint64_t a = word();
            int n = int(rng() % 3);
            Woken woken;
            int count = table.wake(key_a(a), n, kFutexBitsetAny, woken);
            auto& q = model[a];
            int expect = std::min<int>(n, int(q.size()));
            REQUIRE(count == expect);
            for (int i = 0; i < expect; ++i) {
                REQUIRE(woken.order[size_t(i)] == q.front());
                idle.push_back(q.front());
                q.pop_front();
            }
        } else if (op == 2) {
            uint64_t from = word(), to = word();
            int nw = int(rng() % 2), nr = int(rng() % 3);
            Woken woken;
            int count = table.requeue(key_a(from), key_a(to), nw, nr, woken);
            auto& q = model[from];
            int expect_wake = std::min<int>(nw, int(q.size()));
            for (int i = 0; i < expect_wake; ++i) {
                REQUIRE(woken.order[size_t(i)] == q.front());
                idle.push_back(q.front());
                q.pop_front();
            }
            int expect_move = std::min<int>(nr, int(q.size()));
            std::vector<FutexWaiter*> moving(q.begin(), q.begin() + expect_move);
            q.erase(q.begin(), q.begin() + expect_move);
            for (auto* w : moving) model[to].push_back(w);
            REQUIRE(count == expect_wake + expect_move);
        } else {
            // A waiter leaves on its own (timeout or signal).
            uint64_t a = word();
            auto& q = model[a];
            if (q.empty()) continue;
            size_t i = rng() % q.size();
            FutexWaiter* w = q[i];
            table.remove(w);
            q.erase(q.begin() + long(i));
            idle.push_back(w);
        }
        if (step % 997 == 0) {
            for (auto& [a, q] : model) REQUIRE(table.waiters_on(key_a(a)) == q.size());
        }
    }
}
