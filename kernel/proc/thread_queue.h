// A FIFO of threads through Thread::next_in_queue: the run queue and the
// waiters of a WaitQueue. Portable; not synchronised (its owner's lock, or
// interrupts off, protects it).
#pragma once

#include <stddef.h>

#include "proc/thread.h"

namespace nyanos::proc {

// A thread is in at most one queue at a time.
class ThreadQueue {
public:
    void push_back(Thread* thread);
    Thread* pop_front();          // nullptr when empty
    bool remove(Thread* thread);  // true if it was queued
    bool empty() const { return m_head == nullptr; }
    size_t size() const { return m_size; }

private:
    Thread* m_head = nullptr;
    Thread* m_tail = nullptr;
    size_t m_size = 0;
};

}  // namespace nyanos::proc
