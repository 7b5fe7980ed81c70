// fcntl's byte-range locks (fs/record_lock.h): one table for every file,
// under one lock, and one queue of waiters that every unlock and release
// wakes; a woken waiter looks again. Deadlock detection follows the
// waiters each blocked classic owner records in the table.
#include "fs/record_lock.h"

#include "fs/flock.h"
#include "fs/kernel_hooks.h"
#include "proc/wait_event.h"
#include "proc/wait_queue.h"
#include "sync/spinlock.h"

namespace nyanos::fs {

namespace {

sync::SpinLock g_record_lock;
RecordLockTable g_record_locks GUARDED_BY(g_record_lock);
proc::WaitQueue g_record_waiters;
// Classic locks held: a close looks in the table only when there are some.
// Written under g_record_lock; read without it as a hint (a close racing
// with the first lock of another thread of its table is unordered anyway).
size_t g_classic_locks = 0;

// Every waiter looks again (and records its blocker again).
void wake_waiters() REQUIRES(g_record_lock) {
    g_record_locks.forget_blockers();
    g_record_waiters.wake_all();
}

void count_classic(const RecordLockOwner& owner, size_t before) REQUIRES(g_record_lock) {
    if (owner.ofd) return;
    size_t after = g_record_locks.count();
    __atomic_store_n(&g_classic_locks, g_classic_locks + after - before, __ATOMIC_RELAXED);
}

}  // namespace

bool find_conflicting_record_lock(const FileDescription& d, const RecordLockOwner& owner,
                                  RecordLockTable::Kind kind, uint64_t start, uint64_t end,
                                  RecordLockTable::Lock& out) {
    sync::NoInterruptsGuard lock(g_record_lock);
    const RecordLockTable::Lock* l =
        g_record_locks.conflict(advisory_lock_key(d), owner.key, kind, start, end);
    if (!l) return false;
    out = *l;
    out.next = nullptr;
    return true;
}

Result<void> set_record_lock(FileDescription& d, const RecordLockOwner& owner,
                             RecordLockTable::Kind kind, uint64_t start, uint64_t end, bool wait) {
    const void* file = advisory_lock_key(d);
    if (owner.ofd) d.note_record_lock();
    sync::NoInterruptsGuard lock(g_record_lock);
    for (;;) {
        const size_t before = g_record_locks.count();
        bool granted = TRY(g_record_locks.lock(file, owner.key, owner.pid, kind, start, end));
        if (granted) {
            // The owner's old locks there may have been replaced (a write
            // lock turned into a read lock, even in part, lets readers in).
            wake_waiters();
            count_classic(owner, before);
            return {};
        }
        if (!wait) return Error::kAgain;
        const RecordLockTable::Lock* blocker =
            g_record_locks.conflict(file, owner.key, kind, start, end);
        if (!owner.ofd && blocker && g_record_locks.would_deadlock(owner.key, blocker->owner))
            return Error::kDeadlock;
        RecordLockTable::Waiter waiter{owner.key, blocker ? blocker->owner : nullptr, nullptr};
        if (!owner.ofd) g_record_locks.add_waiter(waiter);
        proc::WakeReason woke = g_record_waiters.wait(g_record_lock);
        if (!owner.ofd) g_record_locks.remove_waiter(waiter);
        if (proc::wait_interrupted(woke)) return proc::interruption(woke);
    }
}

Result<void> clear_record_lock(FileDescription& d, const RecordLockOwner& owner, uint64_t start,
                               uint64_t end) {
    sync::NoInterruptsGuard lock(g_record_lock);
    const size_t before = g_record_locks.count();
    if (TRY(g_record_locks.unlock(advisory_lock_key(d), owner.key, start, end))) {
        count_classic(owner, before);
        wake_waiters();
    }
    return {};
}

void release_description_record_locks(const FileDescription* d) {
    sync::NoInterruptsGuard lock(g_record_lock);
    if (g_record_locks.release(nullptr, d)) wake_waiters();
}

void release_table_record_locks(const void* table, const FileDescription* d) {
    if (!__atomic_load_n(&g_classic_locks, __ATOMIC_RELAXED)) return;
    sync::NoInterruptsGuard lock(g_record_lock);
    const size_t before = g_record_locks.count();
    if (g_record_locks.release(advisory_lock_key(*d), table)) {
        count_classic(RecordLockOwner{table, 0, false}, before);
        wake_waiters();
    }
}

}  // namespace nyanos::fs
