// WaitEvent and PollWaiter: blocking on several events at once (poll,
// select) on top of WaitQueue.
//
// A thread waits in one WaitQueue at a time, so poll() cannot queue itself
// on each pipe and console it watches. Instead each such event is a
// WaitEvent — a WaitQueue for the threads blocked on it alone, plus a list
// of subscribed PollWaiters — and poll() waits on its own PollWaiter's
// queue. Firing an event wakes its queue and every subscribed waiter.
//
// No wake-up is lost between poll()'s look at the files and its block: a
// file subscribes the waiter first and looks second, the event fires
// after the state changed, and firing marks the waiter "triggered" under
// the scheduler lock, which wait() checks under the same lock before it
// blocks.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/scheduler_lock.h"
#include "proc/wait_queue.h"

namespace nyanos::proc {

// Whether a wait ended without its event: a kill is pending, or a signal
// the thread is to take.
inline bool wait_interrupted(WakeReason reason) {
    return reason == WakeReason::kKilled || reason == WakeReason::kInterrupted;
}
// What a system call returns then: EINTR for a kill (the process dies on
// its way out; no program sees it), else `restart` (kRestartSys, or
// kRestartNoHand for poll and select), which the way back to user mode
// turns into EINTR or a restart, as Linux's -ERESTART* codes.
inline Error interruption(WakeReason reason, Error restart = Error::kRestartSys) {
    return reason == WakeReason::kKilled ? Error::kInterrupted : restart;
}

class PollWaiter;
class WaitEvent;

// One waiter's subscription to one event (storage the waiter's owner
// provides).
struct PollEntry {
    PollWaiter* waiter = nullptr;
    WaitEvent* event = nullptr;
    PollEntry* next = nullptr;
    PollEntry* prev = nullptr;
};

class WaitEvent {
public:
    WaitEvent() = default;
    WaitEvent(const WaitEvent&) = delete;
    WaitEvent& operator=(const WaitEvent&) = delete;
    // An event is destroyed only with no waiter subscribed: a poll() holds
    // a reference to every file it watches until it has unsubscribed. (The
    // destructor stays trivial, for events in static storage.)

    // Threads block here on this event alone (WaitQueue::wait).
    WaitQueue& queue() { return m_queue; }

    // Wakes the queue's threads and every subscribed waiter. The caller
    // changed the state they wait for first.
    void notify_locked() REQUIRES(g_scheduler_lock);
    void notify() EXCLUDES(g_scheduler_lock);

private:
    friend class PollWaiter;
    WaitQueue m_queue;
    PollEntry* m_pollers GUARDED_BY(g_scheduler_lock) = nullptr;
};

class PollWaiter {
public:
    // `entries[0..capacity)`: one subscription each; they must outlive the
    // waiter. A subscription beyond them still works, by looking again
    // every few milliseconds instead of waiting for the event.
    PollWaiter(PollEntry* entries, size_t capacity) : m_entries(entries), m_capacity(capacity) {}
    ~PollWaiter() { unsubscribe_all(); }
    PollWaiter(const PollWaiter&) = delete;
    PollWaiter& operator=(const PollWaiter&) = delete;

    // From a file's poll(), before it looks at its state.
    void subscribe(WaitEvent& event) EXCLUDES(g_scheduler_lock);
    // Blocks until a subscribed event has fired since the last wait (at
    // once if one has), the monotonic clock reaches `deadline` (unless it
    // is none), or a kill or a signal is pending (kKilled, kInterrupted:
    // the caller unwinds).
    WakeReason wait(Deadline deadline) EXCLUDES(g_scheduler_lock);
    // Ends every subscription (the destructor does it too).
    void unsubscribe_all() EXCLUDES(g_scheduler_lock);

    // A waiter no thread waits on (an epoll interest item, fs/epoll.h):
    // `hook(context)` runs, with the scheduler lock held, each time a
    // subscribed event fires. Set before the first subscription.
    using Hook = void (*)(void* context);
    void set_hook(Hook hook, void* context) {
        m_hook = hook;
        m_hook_context = context;
    }

private:
    friend class WaitEvent;
    WaitQueue m_queue;
    bool m_triggered GUARDED_BY(g_scheduler_lock) = false;
    bool m_overflowed = false;  // a subscription found no entry
    Hook m_hook = nullptr;
    void* m_hook_context = nullptr;
    PollEntry* m_entries;
    size_t m_capacity;
    size_t m_used = 0;
};

}  // namespace nyanos::proc
