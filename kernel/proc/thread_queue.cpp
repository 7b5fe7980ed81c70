#include "proc/thread_queue.h"

#include "lib/panic.h"

namespace nyanos::proc {

void ThreadQueue::push_back(Thread* thread) {
    VERIFY(thread->next_in_queue == nullptr && thread != m_tail);
    if (m_tail)
        m_tail->next_in_queue = thread;
    else
        m_head = thread;
    m_tail = thread;
    ++m_size;
}

Thread* ThreadQueue::pop_front() {
    Thread* thread = m_head;
    if (!thread) return nullptr;
    m_head = thread->next_in_queue;
    if (!m_head) m_tail = nullptr;
    thread->next_in_queue = nullptr;
    --m_size;
    return thread;
}

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
        --m_size;
        return true;
    }
    return false;
}

}  // namespace nyanos::proc
