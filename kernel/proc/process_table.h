// Every process that exists, by pid, and the exit/reap state machine: who
// becomes a zombie, who inherits orphans, whom an exit wakes, what waitpid
// reaps. Portable; not synchronised (the process layer protects it).
#pragma once

#include <stddef.h>

#include "lib/panic.h"
#include "proc/process.h"

namespace nyanos::proc {

// The processes whose child_exited waiters an exit must wake.
struct ExitWakes {
    Process* parent = nullptr;  // the exiting process's parent, if any
    Process* reaper = nullptr;  // the reaper, when it inherited a zombie
};

// Every process that exists (alive or zombie), by pid.
// Which children a wait is for.
struct ChildSelector {
    enum class Kind : uint8_t { kAny, kPid, kGroup } kind;
    int id;  // the pid or the process group

    // waitpid's encoding: pid > 0 that child, -1 any, 0 the caller's
    // group, < -1 the group -pid.
    static ChildSelector from_waitpid(int pid, int caller_pgid) {
        if (pid == -1) return {Kind::kAny, 0};
        if (pid > 0) return {Kind::kPid, pid};
        return {Kind::kGroup, pid == 0 ? caller_pgid : -pid};
    }
};

// What a wait is for (wait4's WUNTRACED and WCONTINUED, waitid's WEXITED,
// WSTOPPED and WCONTINUED).
namespace wait_event {
inline constexpr uint8_t kExited = 1, kStopped = 2, kContinued = 4;
}

// The wait statuses of a stop and a continue (POSIX's WIFSTOPPED and
// WIFCONTINUED encodings, as Linux's).
constexpr int stopped_status(int sig) {
    return (sig << 8) | 0x7f;
}
inline constexpr int kContinuedStatus = 0xffff;

class ProcessTable {
public:
    void insert(Process* process);
    void remove(Process* process);
    Process* find(int pid) const;
    // The thread with ID `tid` in any process in the table (one that has
    // ended too, until it is freed: its ID stays taken until then).
    Thread* find_thread(int tid) const;
    size_t count() const { return m_count; }
    Process* first() const { return m_head; }

    // A fresh pid or thread ID (one space, as Linux's): increasing,
    // skipping the pids and thread IDs in use, wrapping at kMaxPid.
    int allocate_pid();
    static constexpr int kMaxPid = 1 << 22;
    // The last ID allocate_pid handed out (0: none yet), and how many it
    // has handed out since boot (processes and threads: /proc/stat's
    // "processes", /proc/loadavg's last pid).
    int last_pid() const { return m_last_pid; }
    uint64_t pids_handed_out() const { return m_handed_out; }

    // The decisions of exit(): `process` becomes a zombie with
    // `wait_status`; its children are handed to `reaper` (init), or orphaned
    // if there is none. Returns whom to wake: the parent always (its waiters
    // check whether this child is one they wait for), and the reaper if a
    // zombie was handed to it (it can reap that one now).
    // `each_child(child)` runs for every child of `process` just before it
    // is handed over (still with the old parent), in the same pass.
    template <typename EachChild>
    ExitWakes mark_exited(Process* process, int wait_status, Process* reaper,
                          EachChild&& each_child);
    ExitWakes mark_exited(Process* process, int wait_status, Process* reaper) {
        return mark_exited(process, wait_status, reaper, [](Process*) {});
    }

    // The zombie child of `parent` that `which` selects. Sets `has_match` if `parent` has any child
    // the pid selects (living or not), so the caller can tell "wait" from ECHILD.
    Process* find_zombie_child(const Process* parent, ChildSelector which, bool& has_match) const;

    // The first child of `parent` that `which` selects with something to
    // report among `events` (WaitEvent bits): an exit (a zombie), a stop
    // not reported yet (JobState), a continue not reported yet. Sets
    // `has_match` as find_zombie_child does; nullptr if none has anything.
    // `status` receives the report's wait status: the zombie's, sig << 8 |
    // 0x7f for a stop, 0xffff for a continue.
    Process* find_waitable_child(const Process* parent, ChildSelector which, uint8_t events,
                                 int& status, bool& has_match) const;

private:
    Process* m_head = nullptr;
    size_t m_count = 0;
    int m_next_pid = 1;
    int m_last_pid = 0;
    uint64_t m_handed_out = 0;
};

template <typename EachChild>
ExitWakes ProcessTable::mark_exited(Process* process, int wait_status, Process* reaper,
                                    EachChild&& each_child) {
    VERIFY(!process->zombie);
    process->zombie = true;
    process->wait_status = wait_status;
    ExitWakes wakes;
    Process* heir = (reaper && reaper != process) ? reaper : nullptr;
    for (Process* p = m_head; p; p = p->next_in_table) {
        if (p->parent != process) continue;
        each_child(p);
        p->parent = heir;
        if (heir && p->zombie) wakes.reaper = heir;
    }
    wakes.parent = process->parent;
    return wakes;
}

}  // namespace nyanos::proc
