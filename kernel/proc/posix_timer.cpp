#include "proc/posix_timer.h"

namespace nyanos::proc {

uint32_t forward_expiry(uint64_t& expires, uint64_t interval, uint64_t now) {
    uint64_t k = (now - expires) / interval + 1;
    uint64_t step;
    if (__builtin_mul_overflow(k, interval, &step) || step > kTimerMaxNs - expires)
        expires = kTimerMaxNs;
    else
        expires += step;
    uint64_t skipped = k - 1;
    return skipped > uint64_t(kDelaytimerMax) ? uint32_t(kDelaytimerMax) : uint32_t(skipped);
}

PosixTimerValue PosixTimer::get(uint64_t now) const {
    if (!expires_ns) return PosixTimerValue{0, interval_ns};
    uint64_t e = expires_ns;
    if (e <= now) {
        if (notify != kSigevNone) return PosixTimerValue{1, interval_ns};
        if (!interval_ns) return PosixTimerValue{0, 0};
        (void)forward_expiry(e, interval_ns, now);
    }
    return PosixTimerValue{e - now, interval_ns};
}

void PosixTimer::set(uint64_t deadline_ns, uint64_t interval_ns_) {
    overrun_last = 0;
    ++generation;
    expires_ns = deadline_ns;
    interval_ns = deadline_ns ? interval_ns_ : 0;
}

uint32_t PosixTimer::fire(uint64_t now) {
    if (!interval_ns) {
        expires_ns = 0;
        return 0;
    }
    return forward_expiry(expires_ns, interval_ns, now);
}

PosixTimerSet::~PosixTimerSet() {
    while (PosixTimer* t = m_head) {
        m_head = t->next;
        delete t;
    }
}

Result<int32_t> PosixTimerSet::add(PosixTimer* timer, uint64_t limit) {
    if (m_count >= limit) return Error::kAgain;
    // At most m_count IDs are taken: one of the next m_count + 1 is free.
    int32_t id = m_next_id;
    while (find(id)) id = (id + 1) & kDelaytimerMax;
    m_next_id = (id + 1) & kDelaytimerMax;
    timer->id = id;
    timer->next = m_head;
    m_head = timer;
    ++m_count;
    return id;
}

PosixTimer* PosixTimerSet::find(int32_t id) const {
    for (PosixTimer* t = m_head; t; t = t->next)
        if (t->id == id) return t;
    return nullptr;
}

PosixTimer* PosixTimerSet::remove(int32_t id) {
    for (PosixTimer** link = &m_head; *link; link = &(*link)->next) {
        PosixTimer* t = *link;
        if (t->id != id) continue;
        *link = t->next;
        t->next = nullptr;
        --m_count;
        return t;
    }
    return nullptr;
}

}  // namespace nyanos::proc
