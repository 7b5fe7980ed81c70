// What the process lifecycle's files share: the process table with its
// lock, init, thread creation, and the job-control and thread steps that
// exec and exit take. lifecycle.kernel.cpp has spawn, fork, exec, exit and
// wait; thread_lifecycle.kernel.cpp a process's threads (clone of a
// thread, ended threads freed, execve ending the others, an ending
// thread's duties); job_control.kernel.cpp process groups, sessions, stop
// and continue, and the signals addressed by pid, group or thread ID;
// process_settings.kernel.cpp and priority.kernel.cpp the per-process
// settings prctl and setpriority change. Only they include this.
#pragma once

#include "arch/x86_64/interrupt_frame.h"
#include "proc/lifecycle.h"
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

// A thread with a kernel stack of `stack_pages` (thread.h:
// kernel_stack_pages_for) and its user-state block, set up to enter user
// mode at `entry` with `user_sp`; not yet anyone's.
Result<Thread*> create_thread(uint64_t entry, uint64_t user_sp, size_t stack_pages);
// Frees a thread that has left its CPU (or never ran): its stack, its
// user-state block and the Thread.
void free_thread(Thread* t);
// A thread of `p` (not linked into its list yet) whose first return to user
// mode is a copy of `self`'s: the caller's registers `regs` with rax 0, on
// `request.stack` (0: the caller's), its FPU registers as they are now, its
// selectors and bases (FS at `request.tls` with CLONE_SETTLS), its affinity
// and signal mask, and CLONE_CHILD_CLEARTID's word. No alternate signal
// stack: the caller decides.
Result<Thread*> create_cloned_thread(Process* p, Thread* self, const CloneRequest& request,
                                     const arch::InterruptFrame& regs);

// thread_lifecycle.kernel.cpp:
// clone with CLONE_THREAD: a new thread of the caller's process.
Result<int> clone_thread(const CloneRequest& request, const arch::InterruptFrame& regs);
// execve's first step in a process with other threads: they end, and the
// caller takes the leader's place and the pid as its thread ID.
// kRestartNoHand if the caller is to end meanwhile.
Result<void> end_other_threads(Thread* self, Process* p);
// An ending thread's (or an exec's) robust futexes and clear-tid word.
void clear_child_tid(Thread* self, Process* p);
// An ending thread takes no more signals; pending process-directed ones go
// to a sibling that can take them.
void stop_taking_signals(Thread* self, Process* p);

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
// reparent_leader). Collected before the exit reparents the children:
// the process's own group by orphan_candidates_of_locked, each child's by
// note_child_locked as the exit passes over it.
struct OrphanCandidates {
    static constexpr int kMax = 8;
    int pgids[kMax];
    int count = 0;
    void add(int pgid) {
        for (int i = 0; i < count; ++i)
            if (pgids[i] == pgid) return;
        if (count < kMax) pgids[count++] = pgid;
    }
    void note_child_locked(const Process* p, const Process* child) REQUIRES(g_table_lock) {
        if (child->pgid != p->pgid && child->sid == p->sid) add(child->pgid);
    }
};
OrphanCandidates orphan_candidates_of_locked(const Process* p) REQUIRES(g_table_lock);

}  // namespace nyanos::proc
