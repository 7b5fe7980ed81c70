// WaitQueue: where a thread blocks until an event, a deadline or a kill.
//
// In the spirit of xv6's sleep/wakeup: the waiter checks its condition, then
// waits, with interrupts off across both, so no wake can slip in between;
// after any wake it checks again (a wake_all wakes every waiter, and only
// the condition says whether there is something for it). A kill pending on
// the waiter's process ends the wait at once (kKilled): the caller unwinds
// what it holds and returns, and the kill takes effect on the way out.
//
// Every blocking wait in the kernel goes through this type: a parent
// waiting for a child, console input, sleep.
#pragma once

#include <stdint.h>

#include "proc/thread.h"
#include "proc/thread_queue.h"

namespace nyanos::proc {

class WaitQueue {
public:
    static constexpr uint64_t kNoDeadline = 0;

    // Blocks the current thread until wake_one/wake_all picks it, the uptime
    // reaches `deadline_ms` (if not kNoDeadline), or its process is killed.
    // Call with interrupts off; returns with them off.
    WakeReason wait(uint64_t deadline_ms = kNoDeadline);

    // Makes the longest waiter ready (true if there was one). Interrupts off.
    bool wake_one();
    // Makes every waiter ready. Interrupts off; safe in interrupt context.
    void wake_all();

    bool has_waiters() const { return !m_waiters.empty(); }

private:
    friend void wake_thread(Thread* thread, WakeReason reason);
    ThreadQueue m_waiters;
};

// Ends `thread`'s wait (it must be blocked) with `reason` and makes it ready.
void wake_thread(Thread* thread, WakeReason reason);

}  // namespace nyanos::proc
