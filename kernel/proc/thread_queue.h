// A FIFO of threads through Thread::next_in_queue: the run queue and the
// waiters of a WaitQueue. Portable; not synchronised (its owner's lock, or
// interrupts off, protects it).
#pragma once

#include <stddef.h>

#include "lib/panic.h"
#include "proc/thread.h"

namespace nyanos::proc {

// A thread is in at most one queue at a time.
class ThreadQueue {
public:
    // Inline: every yield and wake-up does one of each.
    void push_back(Thread* thread) {
        VERIFY(thread->next_in_queue == nullptr && thread != m_tail);
        if (m_tail)
            m_tail->next_in_queue = thread;
        else
            m_head = thread;
        m_tail = thread;
    }
    Thread* pop_front() {  // nullptr when empty
        Thread* thread = m_head;
        if (!thread) return nullptr;
        m_head = thread->next_in_queue;
        if (!m_head) m_tail = nullptr;
        thread->next_in_queue = nullptr;
        return thread;
    }
    bool remove(Thread* thread);  // true if it was queued
    bool empty() const { return m_head == nullptr; }
    // Counted by a walk: only the load average asks (every few seconds),
    // while every yield pushes and pops, which a kept count would lengthen.
    size_t size() const;

private:
    Thread* m_head = nullptr;
    Thread* m_tail = nullptr;
};

}  // namespace nyanos::proc
