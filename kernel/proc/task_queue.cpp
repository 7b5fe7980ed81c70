#include "proc/task_queue.h"

#include "lib/panic.h"

namespace nyanos::proc {

void TaskQueue::push_back(Task* task) {
    VERIFY(task->next_in_queue == nullptr && task != m_tail);
    if (m_tail)
        m_tail->next_in_queue = task;
    else
        m_head = task;
    m_tail = task;
    ++m_size;
}

Task* TaskQueue::pop_front() {
    Task* task = m_head;
    if (!task) return nullptr;
    m_head = task->next_in_queue;
    if (!m_head) m_tail = nullptr;
    task->next_in_queue = nullptr;
    --m_size;
    return task;
}

bool TaskQueue::remove(Task* task) {
    Task* prev = nullptr;
    for (Task* t = m_head; t; prev = t, t = t->next_in_queue) {
        if (t != task) continue;
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
