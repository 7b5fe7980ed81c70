// Every process that exists, by pid, and the exit/reap state machine: who
// becomes a zombie, who inherits orphans, whom an exit wakes, what waitpid
// reaps. Portable; not synchronised (the process layer protects it).
#pragma once

#include <stddef.h>

#include "proc/process.h"

namespace nyanos::proc {

// The processes whose child_exited waiters an exit must wake.
struct ExitWakes {
    Process* parent = nullptr;  // the exiting process's parent, if any
    Process* reaper = nullptr;  // the reaper, when it inherited a zombie
};

// Every process that exists (alive or zombie), by pid.
class ProcessTable {
public:
    void insert(Process* process);
    void remove(Process* process);
    Process* find(int pid) const;
    size_t count() const { return m_count; }
    Process* first() const { return m_head; }

    // A fresh pid: increasing, skipping ones in use, wrapping at kMaxPid.
    int allocate_pid();
    static constexpr int kMaxPid = 1 << 22;

    // The decisions of exit(): `process` becomes a zombie with
    // `wait_status`; its children are handed to `reaper` (init), or orphaned
    // if there is none. Returns whom to wake: the parent always (its waiters
    // check whether this child is one they wait for), and the reaper if a
    // zombie was handed to it (it can reap that one now).
    ExitWakes mark_exited(Process* process, int wait_status, Process* reaper);

    // The zombie child of `parent` that waitpid(pid) reaps: pid > 0 that
    // child, pid == -1 any. Sets `has_match` if `parent` has any child the
    // pid selects (living or not), so the caller can tell "wait" from ECHILD.
    Process* find_zombie_child(const Process* parent, int pid, bool& has_match) const;

private:
    Process* m_head = nullptr;
    size_t m_count = 0;
    int m_next_pid = 1;
};

}  // namespace nyanos::proc
