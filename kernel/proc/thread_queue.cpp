#include "proc/thread_queue.h"

#include "lib/panic.h"

namespace nyanos::proc {

bool ThreadQueue::remove(Thread* thread) {
    Thread* prev = nullptr;
    for (Thread* t = m_head; t; prev = t, t = t->next_in_queue) {
        if (t != thread) continue;
        if (prev)
            prev->next_in_queue = t->next_in_queue;
        else
            m_head = t->next_in_queue;
        if (m_tail == t) m_tail = prev;
        t->next_in_queue = nullptr;
        return true;
    }
    return false;
}

size_t ThreadQueue::size() const {
    size_t n = 0;
    for (const Thread* t = m_head; t; t = t->next_in_queue) ++n;
    return n;
}

}  // namespace nyanos::proc
