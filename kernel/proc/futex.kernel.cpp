// Futex waits and wakes over the portable table (proc/futex_table.h).
//
// The word is read under the futex lock without faulting a page in
// (sys::read_user_word_now): faulting takes the process's memory lock and
// may wait for other CPUs, which no spinlock holder may do. If the page is
// not there the lock is let go, the page faulted in by an ordinary copy,
// and the whole check done again.
#include "proc/futex.h"

#include "arch/x86_64/cpu.h"
#include "proc/scheduler_lock.h"
#include "proc/wait_queue.h"
#include "sync/spinlock.h"
#include "syscall/user_memory.h"

namespace nyanos::proc {

namespace {

// The futex lock: the table of waiters. Interrupts off while held (a wait
// blocks through WaitQueue, which needs them off); before the scheduler
// lock in the lock order (docs/locking.md).
sync::SpinLock g_futex_lock;
FutexTable g_futexes GUARDED_BY(g_futex_lock);

// A waiting thread's entry: the table's links and the queue its thread
// sleeps in, on that thread's stack.
struct KernelFutexWaiter : FutexWaiter {
    WaitQueue queue;
};

// Called by the table for each waiter it takes out, under the futex lock:
// the waiter cannot return (and its stack entry go) before this is done.
void wake_waiter(FutexWaiter* w) {
    static_cast<KernelFutexWaiter*>(w)->queue.wake_all();
}

// Faults in the page of the word at `address` for reading.
Result<void> fault_in_word(uint64_t address) {
    uint32_t value;
    return sys::copy_from_user(&value, address, sizeof(value));
}

// The key shared words of MAP_SHARED mappings are filed under: the
// address field then holds the word's physical address.
const char g_shared_frames = 0;

// The key of the word at `address` (see futex.h). A private one is only a
// number (Linux does not look at the memory); a shared one is found through
// the mapping, so kFault where nothing readable is mapped, or where a
// shared mapping's page cannot be had.
Result<FutexKey> key_of(Process& p, uint64_t address, bool is_private) {
    FutexKey own{p.mm, address};
    if (is_private) return own;
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            MemoryGuard lock(*p.mm);
            const mm::Region* r = p.mm->memory.regions().find(address);
            if (!r || !r->readable()) return Error::kFault;
            if (!r->shared()) return own;
            auto t = p.mm->memory.space().translate(address & ~uint64_t(0xfff));
            // A shared mapping's frame stays until the mapping goes.
            if (t.ok()) return FutexKey{&g_shared_frames, t.value().phys + (address & 0xfff)};
        }
        TRY(fault_in_word(address));
    }
    return Error::kFault;
}

}  // namespace

Result<void> futex_wait(Process& p, uint64_t address, bool is_private, uint32_t expected,
                        uint32_t bitset, Deadline deadline) {
    KernelFutexWaiter w;
    w.key = TRY(key_of(p, address, is_private));
    w.bitset = bitset;
    for (;;) {
        {
            sync::NoInterruptsGuard lock(g_futex_lock);
            auto value = sys::read_user_word_now(address);
            if (value.ok()) {
                if (value.value() != expected) return Error::kAgain;
                g_futexes.enqueue(&w);
                WakeReason reason = w.queue.wait(g_futex_lock, deadline);
                // A wake that came first counts, whatever else ended the wait.
                if (w.woken) return {};
                g_futexes.remove(&w);
                if (reason == WakeReason::kTimedOut) return Error::kTimedOut;
                return Error::kRestartSys;
            }
        }
        TRY(fault_in_word(address));
    }
}

Result<int> futex_wake(Process& p, uint64_t address, bool is_private, int max, uint32_t bitset) {
    FutexKey key = TRY(key_of(p, address, is_private));
    sync::NoInterruptsGuard lock(g_futex_lock);
    return g_futexes.wake(key, max, bitset, wake_waiter);
}

Result<int> futex_requeue(Process& p, uint64_t from, uint64_t to, bool is_private, int max_wake,
                          int max_requeue, bool compare, uint32_t expected) {
    FutexKey from_key = TRY(key_of(p, from, is_private));
    FutexKey to_key = TRY(key_of(p, to, is_private));
    for (;;) {
        {
            sync::NoInterruptsGuard lock(g_futex_lock);
            auto value = compare ? sys::read_user_word_now(from) : Result<uint32_t>(expected);
            if (value.ok()) {
                if (value.value() != expected) return Error::kAgain;
                return g_futexes.requeue(from_key, to_key, max_wake, max_requeue, wake_waiter);
            }
        }
        TRY(fault_in_word(from));
    }
}

namespace {

constexpr uint32_t kFutexWaiters = 0x80000000u, kFutexOwnerDied = 0x40000000u,
                   kFutexTidMask = 0x3fffffffu;
constexpr int kRobustListLimit = 2048;  // Linux's ROBUST_LIST_LIMIT

// One robust futex of an ending owner (Linux's handle_futex_death).
void release_robust_futex(Process& p, uint64_t word, int tid) {
    if (word % 4) return;
    for (int attempt = 0; attempt < 64; ++attempt) {
        uint32_t value;
        if (!sys::copy_from_user(&value, word, sizeof(value)).ok()) return;
        if ((value & kFutexTidMask) != uint32_t(tid)) return;
        uint32_t marked = (value & kFutexWaiters) | kFutexOwnerDied;
        auto seen = sys::compare_exchange_user_word(word, value, marked);
        if (!seen.ok()) return;
        if (seen.value() != value) continue;  // changed under us: look again
        if (value & kFutexWaiters) (void)futex_wake(p, word, false, 1, kFutexBitsetAny);
        return;
    }
}

}  // namespace

void release_robust_futexes(Process& p, const Thread& t, uint64_t head) {
    struct {
        uint64_t next;
        int64_t futex_offset;
        uint64_t pending;
    } h;
    static_assert(sizeof(h) == kRobustListHeadBytes);
    if (!sys::copy_from_user(&h, head, sizeof(h)).ok()) return;
    // Entries are the user's list nodes; bit 0 marks a PI futex, which
    // is handled the same here.
    uint64_t entry = h.next & ~uint64_t(1);
    uint64_t pending = h.pending & ~uint64_t(1);
    for (int n = 0; entry != head && n < kRobustListLimit; ++n) {
        uint64_t next;
        if (!sys::copy_from_user(&next, entry, sizeof(next)).ok()) break;
        if (entry != pending) release_robust_futex(p, entry + uint64_t(h.futex_offset), t.tid);
        entry = next & ~uint64_t(1);
    }
    if (pending) release_robust_futex(p, pending + uint64_t(h.futex_offset), t.tid);
}

}  // namespace nyanos::proc
