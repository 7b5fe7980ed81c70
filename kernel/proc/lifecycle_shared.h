// What the process lifecycle's two files share: the process table with
// its lock, init, and the job-control steps an exit takes.
// lifecycle.kernel.cpp has spawn, fork, exec, exit and wait;
// job_control.kernel.cpp has process groups, sessions, stop and continue,
// and the signals addressed by pid, group or thread ID. Only they include
// this.
#pragma once

#include "proc/process.h"
#include "proc/process_table.h"
#include "sync/spinlock.h"

namespace nyanos::proc {

// The process table lock: the table (pids, parent links, zombies and their
// status), init and the foreground. Taken with interrupts off (Ctrl-C takes
// it in an interrupt handler); before the scheduler lock in the lock order
// (docs/locking.md).
extern sync::SpinLock g_table_lock;
extern ProcessTable g_table GUARDED_BY(g_table_lock);
extern Process* g_init GUARDED_BY(g_table_lock);

// Tells `p`'s parent that `p` stopped or continued (CLD_STOPPED with the
// stop signal, CLD_CONTINUED with SIGCONT): SIGCHLD unless the parent set
// SA_NOCLDSTOP, and a wake-up for its waits (WUNTRACED, WCONTINUED).
void notify_parent_of_job_locked(Process* p, int32_t code, int status) REQUIRES(g_table_lock);

// SIGCONT's effect on a stopped process, whatever SIGCONT's action (even
// ignored or blocked, as Linux's prepare_signal).
void continue_process_locked(Process* p) REQUIRES(g_table_lock);

// Linux's kill_orphaned_pgrp: an exit that leaves process group `pgid`
// orphaned while members are stopped sends every member SIGHUP, then
// SIGCONT, since nothing could continue them any more (POSIX).
void hang_up_orphaned_locked(int pgid, int sid) REQUIRES(g_table_lock);

// The groups an exit may leave orphaned: the process's own, if its parent
// in another group of the session held it, and its children's groups in
// the session other than its own (Linux's exit_notify and
// reparent_leader). Collected before the exit reparents the children.
struct OrphanCandidates {
    static constexpr int kMax = 8;
    int pgids[kMax];
    int count = 0;
    void add(int pgid) {
        for (int i = 0; i < count; ++i)
            if (pgids[i] == pgid) return;
        if (count < kMax) pgids[count++] = pgid;
    }
};
OrphanCandidates orphan_candidates_locked(const Process* p) REQUIRES(g_table_lock);

}  // namespace nyanos::proc
