#include "proc/wait_event.h"

#include "arch/x86_64/timer.h"

namespace nyanos::proc {

namespace {
// How often a waiter with more subscriptions than entries looks again.
constexpr uint64_t kOverflowPollNs = 10'000'000;
}  // namespace

void WaitEvent::notify_locked() {
    m_queue.wake_all_locked();
    for (PollEntry* e = m_pollers; e; e = e->next) {
        e->waiter->m_triggered = true;
        e->waiter->m_queue.wake_all_locked();
        if (e->waiter->m_hook) e->waiter->m_hook(e->waiter->m_hook_context);
    }
}

void WaitEvent::notify() {
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    notify_locked();
}

void PollWaiter::subscribe(WaitEvent& event) {
    if (m_used == m_capacity) {
        m_overflowed = true;
        return;
    }
    PollEntry* e = &m_entries[m_used++];
    *e = PollEntry{this, &event, nullptr, nullptr};
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    e->next = event.m_pollers;
    if (e->next) e->next->prev = e;
    event.m_pollers = e;
}

void PollWaiter::unsubscribe_all() {
    if (!m_used) return;
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    for (size_t i = 0; i < m_used; ++i) {
        PollEntry* e = &m_entries[i];
        if (e->prev) {
            e->prev->next = e->next;
        } else {
            e->event->m_pollers = e->next;
        }
        if (e->next) e->next->prev = e->prev;
    }
    m_used = 0;
}

WakeReason PollWaiter::wait(Deadline deadline) {
    if (m_overflowed) {
        uint64_t soon = arch::monotonic_ns() + kOverflowPollNs;
        if (deadline.none() || soon < deadline.monotonic_ns) deadline = Deadline{soon};
    }
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    if (m_triggered) {
        m_triggered = false;
        return WakeReason::kWoken;
    }
    WakeReason reason = m_queue.wait_locked(deadline);
    m_triggered = false;
    return reason;
}

}  // namespace nyanos::proc
