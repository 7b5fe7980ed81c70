// Pending signals: standard signals merge, realtime ones queue in order
// with their own details, RLIMIT_SIGPENDING bounds the queue (EAGAIN for
// sigqueue, a detail-less instance for kill()), and no instance leaks on
// any path: taken, discarded, moved at execve, left pending at exit, or
// never allocated (a failing allocator).
#include <doctest/doctest.h>

#include "failing_new.h"
#include "proc/signal_queue.h"

using namespace nyanos;
using namespace nyanos::proc;

namespace {

PendingInfo queued_by(int pid, uint64_t value) {
    return PendingInfo{kSiQueue, pid, 0, 0, value};
}

// Sends as the kernel does: the sender allocates, the queue takes the
// entry or the sender frees it.
Result<void> send(SignalActions& table, ThreadSignals* thread, int sig, const PendingInfo& info,
                  uint64_t limit = 1000) REQUIRES(g_signal_lock) {
    QueuedSignal* entry = is_realtime(sig) ? new (std::nothrow) QueuedSignal : nullptr;
    auto r = add_pending(table, thread, sig, info, entry, limit);
    delete entry;
    return r;
}

}  // namespace

TEST_CASE("signal queue: a standard signal is pending once, with its first details") {
    SignalActions table;
    ThreadSignals thread;
    sync::Guard lock(g_signal_lock);
    CHECK(send(table, nullptr, kSigUsr1, PendingInfo{kSiUser, 7, 0, 0, 0}).ok());
    CHECK(send(table, nullptr, kSigUsr1, PendingInfo{kSiUser, 8, 0, 0, 0}).ok());
    CHECK(table.pending == sig_bit(kSigUsr1));
    CHECK(table.queued == 0);
    PendingInfo info{};
    CHECK(take_pending(table, thread, kSigUsr1, info));  // the process's
    CHECK(info.pid == 7);
    CHECK(table.pending == 0);
}

TEST_CASE("signal queue: realtime signals queue each send, lowest number first, in order") {
    SignalActions table;
    ThreadSignals thread;
    sync::Guard lock(g_signal_lock);
    CHECK(send(table, nullptr, 42, queued_by(1, 100)).ok());
    CHECK(send(table, nullptr, 40, queued_by(1, 200)).ok());
    CHECK(send(table, nullptr, 40, queued_by(1, 300)).ok());
    CHECK(table.queued == 3);
    uint64_t order[3];
    for (int i = 0; i < 3; ++i) {
        int sig = next_signal(table.pending | thread.pending, thread.blocked);
        PendingInfo info{};
        take_pending(table, thread, sig, info);
        order[i] = uint64_t(sig) * 1000 + info.addr;
    }
    CHECK(order[0] == 40200);
    CHECK(order[1] == 40300);
    CHECK(order[2] == 42100);
    CHECK(table.pending == 0);
    CHECK(table.queued == 0);
}

TEST_CASE("signal queue: a thread's own instance goes before the process's") {
    SignalActions table;
    ThreadSignals thread, other;
    sync::Guard lock(g_signal_lock);
    CHECK(send(table, nullptr, 50, queued_by(1, 1)).ok());
    CHECK(send(table, &thread, 50, queued_by(1, 2)).ok());
    CHECK(send(table, &other, 50, queued_by(1, 3)).ok());
    PendingInfo info{};
    CHECK(!take_pending(table, thread, 50, info));
    CHECK(info.addr == 2);
    CHECK((thread.pending & sig_bit(50)) == 0);
    CHECK(take_pending(table, thread, 50, info));
    CHECK(info.addr == 1);
    CHECK((table.pending & sig_bit(50)) == 0);
    CHECK(other.pending == sig_bit(50));  // the other thread's stays
    CHECK(table.queued == 1);
}

TEST_CASE("signal queue: RLIMIT_SIGPENDING bounds what is pending; kill() still gets through") {
    SignalActions table;
    ThreadSignals thread;
    sync::Guard lock(g_signal_lock);
    CHECK(send(table, nullptr, 40, queued_by(1, 1), 3).ok());
    CHECK(send(table, nullptr, kSigUsr1, PendingInfo{kSiUser, 1, 0, 0, 0}, 3).ok());
    CHECK(send(table, nullptr, 41, queued_by(1, 2), 3).ok());
    CHECK(pending_count(table, &thread) == 3);
    // Full: sigqueue and tkill fail, changing nothing.
    CHECK(send(table, nullptr, 42, queued_by(1, 3), 3).error() == Error::kAgain);
    CHECK(send(table, nullptr, 42, PendingInfo{kSiTkill, 1, 0, 0, 0}, 3).error() == Error::kAgain);
    CHECK((table.pending & sig_bit(42)) == 0);
    // A standard signal needs no room.
    CHECK(send(table, nullptr, kSigUsr2, PendingInfo{kSiUser, 1, 0, 0, 0}, 3).ok());
    // kill() of a realtime signal: pending, without details.
    CHECK(send(table, nullptr, 42, PendingInfo{kSiUser, 9, 0, 0, 0}, 3).ok());
    CHECK((table.pending & sig_bit(42)) != 0);
    CHECK(table.queued == 2);
    PendingInfo info{1, 1, 1, 1, 1};
    take_pending(table, thread, 42, info);
    CHECK(info.code == kSiUser);
    CHECK(info.pid == 0);
    CHECK((table.pending & sig_bit(42)) == 0);
    // Taking one makes room again.
    take_pending(table, thread, 40, info);
    CHECK(send(table, nullptr, 43, queued_by(1, 4), 3).error() == Error::kAgain);  // USR1, USR2, 41
    take_pending(table, thread, kSigUsr1, info);
    CHECK(send(table, nullptr, 43, queued_by(1, 4), 3).ok());
}

TEST_CASE("signal queue: an allocation that failed is a full queue, and nothing leaks") {
    for (size_t n = 1; n <= 3; ++n) {
        SignalActions table;
        ThreadSignals thread;
        sync::Guard lock(g_signal_lock);
        test::FailNothrowNew fail(n);
        auto a = send(table, nullptr, 40, queued_by(1, 1));
        auto b = send(table, nullptr, 40, PendingInfo{kSiUser, 1, 0, 0, 0});
        auto c = send(table, nullptr, 41, queued_by(1, 2));
        CHECK(b.ok());  // kill() never fails
        CHECK(a.ok() == (n != 1));
        CHECK(c.ok() == (n != 3));
        CHECK(table.queued == 2);  // the two sends that got their entry
        // The table frees what is left at its end (ASan checks).
    }
}

TEST_CASE("signal queue: discarding frees the instances; execve moves them") {
    SignalActions table;
    ThreadSignals thread;
    sync::Guard lock(g_signal_lock);
    CHECK(send(table, nullptr, 40, queued_by(1, 1)).ok());
    CHECK(send(table, &thread, 40, queued_by(1, 2)).ok());
    CHECK(send(table, nullptr, 41, queued_by(1, 3)).ok());
    CHECK(send(table, nullptr, kSigUsr1, PendingInfo{kSiUser, 5, 0, 0, 0}).ok());
    discard_pending(table, nullptr, sig_bit(40));
    CHECK(table.queued == 2);
    CHECK(thread.pending == sig_bit(40));
    CHECK((table.pending & sig_bit(40)) == 0);
    // execve: the new table holds them; the old one is empty.
    SignalActions next;
    move_pending(table, next);
    CHECK(table.queued == 0);
    CHECK(table.queue == nullptr);
    CHECK(table.pending == 0);
    CHECK(next.queued == 2);
    CHECK(next.pending == (sig_bit(41) | sig_bit(kSigUsr1)));
    PendingInfo info{};
    take_pending(next, thread, kSigUsr1, info);
    CHECK(info.pid == 5);
    take_pending(next, thread, 40, info);
    CHECK(info.addr == 2);
    // 41 is left pending in `next`: freed with it.
}

TEST_CASE("signal queue: ignoring a signal through rt_sigaction discards its instances") {
    SignalActions table;
    ThreadSignals thread;
    sync::Guard lock(g_signal_lock);
    CHECK(send(table, nullptr, 45, queued_by(1, 1)).ok());
    CHECK(send(table, &thread, 45, queued_by(1, 2)).ok());
    SigAction ignore{kSigIgn, 0, 0, 0};
    CHECK(change_action(table, thread, 45, &ignore, nullptr).ok());
    CHECK(table.queued == 0);
    CHECK(table.pending == 0);
    CHECK(thread.pending == 0);
}
