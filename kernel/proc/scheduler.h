// The portable half of the scheduler: the run queue, the table of all tasks,
// and the exit/reap state machine. No CPU state here: the kernel side
// (process.kernel.cpp) switches stacks and roots around these decisions.
//
// Not synchronised: the kernel calls it with interrupts disabled.
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

// Every task that exists (running, ready, blocked or zombie), by pid.
class ProcessTable {
public:
    void insert(Task* task);
    void remove(Task* task);
    Task* find(int pid) const;
    size_t count() const { return m_count; }
    Task* first() const { return m_head; }

    // A fresh pid: increasing, skipping ones in use, wrapping at kMaxPid.
    int allocate_pid();
    static constexpr int kMaxPid = 1 << 22;

    // The decisions of exit(): `task` becomes a zombie with `wait_status`;
    // its children are handed to `reaper` (init), or orphaned if there is
    // none. Returns the task whose wait should be woken (the parent, if it
    // is blocked waiting for this child), else nullptr.
    Task* mark_exited(Task* task, int wait_status, Task* reaper);

    // The zombie child of `parent` that waitpid(pid) reaps: pid > 0 that
    // child, pid == -1 any. Sets `has_match` if `parent` has any child the
    // pid selects (living or not), so the caller can tell "wait" from ECHILD.
    Task* find_zombie_child(const Task* parent, int pid, bool& has_match) const;

private:
    Task* m_head = nullptr;
    size_t m_count = 0;
    int m_next_pid = 1;
};

}  // namespace nyanos::proc
