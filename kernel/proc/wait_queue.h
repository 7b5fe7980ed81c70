// WaitQueue: where a thread blocks until an event, a deadline or a kill.
//
// In the spirit of xv6's sleep/wakeup: the waiter checks its condition and
// enqueues itself without letting a waker in between, and after any wake it
// checks again (a wake_all wakes every waiter; only the condition says
// whether there is something for it). "Without a waker in between": the
// waiter checks under the lock that guards the condition and calls
// wait(lock), which enqueues it under the scheduler lock before it lets go
// of `lock`; a waker changes the condition under `lock` and wakes under the
// scheduler lock. A condition that has no lock of its own is checked with
// the scheduler lock held (wait_locked).
//
// A kill pending on the waiter's process ends the wait at once (kKilled):
// the caller unwinds what it holds and returns, and the kill takes effect
// on the way out. Every blocking wait in the kernel goes through this type:
// a parent waiting for a child, console input, sleep.
#pragma once

#include <stdint.h>

#include "proc/scheduler_lock.h"
#include "proc/thread.h"
#include "proc/thread_queue.h"

namespace nyanos::proc {

class WaitQueue {
public:
    // Blocks the current thread until wake_one/wake_all picks it, the
    // monotonic clock reaches `deadline` (unless none()), or its process is
    // killed. The deadline is checked on every timer tick, so the wait ends
    // at the first tick at or after it: never early, at most a tick late.
    // A deadline already past ends the wait at once (kTimedOut).
    // With WaitMode::kKillable a pending signal neither prevents nor ends
    // the wait (kInterrupted never comes back).
    // Interrupts off. Returns with the scheduler lock held again.
    WakeReason wait_locked(Deadline deadline = {}, WaitMode mode = WaitMode::kInterruptible)
        REQUIRES(g_scheduler_lock);

    // The same for a condition guarded by `lock` (held on entry and on
    // return; released while blocked). Interrupts off.
    template <typename Lock>
    WakeReason wait(Lock& lock, Deadline deadline = {}, WaitMode mode = WaitMode::kInterruptible)
        REQUIRES(lock) EXCLUDES(g_scheduler_lock) {
        g_scheduler_lock.lock();
        lock.unlock();
        WakeReason reason = wait_locked(deadline, mode);
        g_scheduler_lock.unlock();
        lock.lock();
        return reason;
    }

    // Makes the longest waiter ready (true if there was one).
    bool wake_one_locked() REQUIRES(g_scheduler_lock);
    // Makes every waiter ready.
    void wake_all_locked() REQUIRES(g_scheduler_lock);
    // The same, taking the scheduler lock (interrupts off, or in an
    // interrupt handler).
    void wake_all() EXCLUDES(g_scheduler_lock);

private:
    friend void wake_thread_locked(Thread* thread, WakeReason reason);
    ThreadQueue m_waiters GUARDED_BY(g_scheduler_lock);
};

// Ends `thread`'s wait (it must be blocked) with `reason` and makes it ready.
void wake_thread_locked(Thread* thread, WakeReason reason) REQUIRES(g_scheduler_lock);

}  // namespace nyanos::proc
