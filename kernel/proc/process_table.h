// Every task that exists, by pid, and the exit/reap state machine: who
// becomes a zombie, who inherits orphans, whom an exit wakes, what waitpid
// reaps. Portable; not synchronised (the process layer holds its lock).
#pragma once

#include <stddef.h>

#include "proc/task.h"

namespace nyanos::proc {

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
