// flock(2): Linux's whole-file advisory locks (fs/flock_table.h keeps them)
// with the waiting: a blocked flock waits on one queue that every unlock
// and every release wakes, and looks again. A lock is keyed by the file's
// inode number in the root tree (every description of the file sees it),
// or by the description itself for a file outside it (a pipe, a device).
#include "fs/flock.h"

#include "fs/flock_table.h"
#include "fs/kernel_hooks.h"
#include "fs/vfs.h"
#include "proc/wait_event.h"
#include "proc/wait_queue.h"
#include "sync/spinlock.h"

namespace nyanos::fs {

namespace {

sync::SpinLock g_flock_lock;
FlockTable g_flocks GUARDED_BY(g_flock_lock);
// Threads waiting for a lock to go (checked again under g_flock_lock).
proc::WaitQueue g_flock_waiters;

}  // namespace

// A root-tree file by its inode number (never reused, so a lock cannot
// outlive its inode into a new one at the same address); numbers are
// below 2^30, where no description lies.
const void* advisory_lock_key(const FileDescription& d) {
    const Node* node = d.node();
    if (node && node->inode) return reinterpret_cast<const void*>(uintptr_t(node->inode->number));
    return &d;
}

Result<void> flock(FileDescription& d, int operation) {
    constexpr int kShared = 1, kExclusive = 2, kNonBlock = 4, kUnlock = 8;
    const bool nonblock = operation & kNonBlock;
    const int op = operation & ~kNonBlock;
    if (op != kShared && op != kExclusive && op != kUnlock) return Error::kInvalid;
    const void* file = advisory_lock_key(d);
    sync::NoInterruptsGuard lock(g_flock_lock);
    if (op == kUnlock) {
        if (g_flocks.unlock(file, &d)) g_flock_waiters.wake_all();
        return {};
    }
    const auto kind = op == kShared ? FlockTable::Kind::kShared : FlockTable::Kind::kExclusive;
    d.note_flock();
    for (;;) {
        // A conversion gives the old lock up first: others may take it.
        const size_t before = g_flocks.count();
        bool granted = TRY(g_flocks.try_lock(file, &d, kind));
        if (g_flocks.count() < before) g_flock_waiters.wake_all();
        if (granted) return {};
        if (nonblock) return Error::kAgain;
        proc::WakeReason woke = g_flock_waiters.wait(g_flock_lock);
        if (proc::wait_interrupted(woke)) return proc::interruption(woke);
    }
}

void release_flocks(const FileDescription* d) {
    sync::NoInterruptsGuard lock(g_flock_lock);
    if (g_flocks.release_owner(d)) g_flock_waiters.wake_all();
}

}  // namespace nyanos::fs
