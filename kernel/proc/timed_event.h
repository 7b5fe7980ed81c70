// TimedEvent: a callback the timer tick runs once the monotonic clock
// reaches a deadline, for objects that must change state at a time even
// when nobody is blocked on them (a timerfd expiring while its readers
// poll or epoll_wait on other files).
//
// Armed events sit on one unordered list, like the threads blocked with a
// deadline (there are few); every CPU's tick looks at it, under the
// scheduler lock, and runs the callbacks of those that are due. So an
// event fires at the first tick at or after its deadline, never early.
#pragma once

#include <stdint.h>

#include "proc/scheduler_lock.h"

namespace nyanos::proc {

class TimedEvent {
public:
    // `fire(context, now)` runs in the tick (interrupt context, interrupts
    // off, scheduler lock held) once the event is due; the event is off the
    // list by then, and `fire` may arm it again. It must take no lock.
    using Fire = void (*)(void* context, uint64_t now_ns);
    TimedEvent(Fire fire, void* context) : m_fire(fire), m_context(context) {}
    TimedEvent(const TimedEvent&) = delete;
    TimedEvent& operator=(const TimedEvent&) = delete;
    // The owner disarms the event before it is destroyed.

    // Puts the event on the list for `deadline_ns` (monotonic), or moves it.
    void arm_locked(uint64_t deadline_ns) REQUIRES(g_scheduler_lock);
    // Takes it off the list (nothing if it is not on it).
    void disarm_locked() REQUIRES(g_scheduler_lock);
    bool armed_locked() const REQUIRES(g_scheduler_lock) { return m_armed; }

private:
    friend void expire_timed_events_locked(uint64_t now_ns);
    Fire m_fire;
    void* m_context;
    uint64_t m_deadline_ns GUARDED_BY(g_scheduler_lock) = 0;
    bool m_armed GUARDED_BY(g_scheduler_lock) = false;
    TimedEvent* m_next GUARDED_BY(g_scheduler_lock) = nullptr;
};

// The tick's part: runs every armed event due at `now_ns`.
void expire_timed_events_locked(uint64_t now_ns) REQUIRES(g_scheduler_lock);

}  // namespace nyanos::proc
