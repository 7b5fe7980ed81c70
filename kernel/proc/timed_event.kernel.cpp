#include "proc/timed_event.h"

namespace nyanos::proc {

namespace {
TimedEvent* g_timed_events GUARDED_BY(g_scheduler_lock) = nullptr;
}  // namespace

void TimedEvent::arm_locked(uint64_t deadline_ns) {
    m_deadline_ns = deadline_ns;
    if (m_armed) return;
    m_armed = true;
    m_next = g_timed_events;
    g_timed_events = this;
}

void TimedEvent::disarm_locked() {
    if (!m_armed) return;
    for (TimedEvent** link = &g_timed_events; *link; link = &(*link)->m_next) {
        if (*link != this) continue;
        *link = m_next;
        break;
    }
    m_next = nullptr;
    m_armed = false;
}

void expire_timed_events_locked(uint64_t now_ns) {
    TimedEvent** link = &g_timed_events;
    while (TimedEvent* e = *link) {
        if (e->m_deadline_ns > now_ns) {
            link = &e->m_next;
            continue;
        }
        // Off the list first: the callback may put it back (at the head,
        // which this walk has passed).
        *link = e->m_next;
        e->m_next = nullptr;
        e->m_armed = false;
        e->m_fire(e->m_context, now_ns);
    }
}

}  // namespace nyanos::proc
