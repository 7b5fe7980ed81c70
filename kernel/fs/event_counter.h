// The counter behind an eventfd (Linux's eventfd(2)), without the waiting:
// what a read takes and whether a write fits. Portable, host-tested; the
// file and its blocking are fs/eventfd.h.
#pragma once

#include <stdint.h>

namespace nyanos::fs {

class EventCounter {
public:
    // The largest value the counter holds: a write that would go past it
    // waits (or fails with EAGAIN), so a reader always sees it below
    // 2^64 - 1, which eventfd reserves for overflow reports.
    static constexpr uint64_t kMax = 0xfffffffffffffffeull;

    EventCounter(uint64_t initial, bool semaphore) : m_value(initial), m_semaphore(semaphore) {}

    uint64_t value() const { return m_value; }
    bool readable() const { return m_value > 0; }
    // Whether a write of 1 would go in now (POLLOUT).
    bool writable() const { return m_value < kMax; }

    // A read: 0 when the counter is 0 (the reader waits); otherwise what
    // it returns, taken off the counter: 1 in semaphore mode, else all.
    uint64_t take() {
        if (m_value == 0) return 0;
        uint64_t got = m_semaphore ? 1 : m_value;
        m_value -= got;
        return got;
    }

    // Whether `add` fits now (the writer waits otherwise). Never true for
    // 2^64 - 1, which eventfd refuses with EINVAL before it asks.
    bool fits(uint64_t add) const { return add <= kMax - m_value; }
    // Adds `add`, which fits().
    void add(uint64_t add) { m_value += add; }

private:
    uint64_t m_value;
    bool m_semaphore;
};

}  // namespace nyanos::fs
