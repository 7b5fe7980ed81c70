// A FIFO of tasks through Task::next_in_queue: the run queue and the
// lists of blocked tasks. Portable; not synchronised (its owner's lock, or
// interrupts off, protects it).
#pragma once

#include <stddef.h>

#include "proc/task.h"

namespace nyanos::proc {

// A FIFO of tasks through Task::next_in_queue. A task is in at most one queue.
class TaskQueue {
public:
    void push_back(Task* task);
    Task* pop_front();        // nullptr when empty
    bool remove(Task* task);  // true if it was queued
    bool empty() const { return m_head == nullptr; }
    size_t size() const { return m_size; }

private:
    Task* m_head = nullptr;
    Task* m_tail = nullptr;
    size_t m_size = 0;
};

}  // namespace nyanos::proc
