// Process groups, sessions and job control (stop, continue, orphaned
// groups), and the signals addressed by pid, process group or thread ID
// (Linux's kill, tkill, tgkill, rt_sigqueueinfo and their rules), over the
// process table (proc/lifecycle_shared.h).
#include "proc/lifecycle.h"
#include "proc/lifecycle_shared.h"
#include "proc/scheduler.h"
#include "proc/posix_timer.h"
#include "proc/signal_delivery.h"
#include "proc/signal_queue.h"

namespace nyanos::proc {

namespace {

// Every thread of a stopped process waits here; a SIGCONT wakes them all,
// and each checks whether its own process was continued.
WaitQueue g_stopped;

// Whether process group `pgid` is orphaned (POSIX; Linux's
// will_become_orphaned_pgrp): no member has a parent in another group of
// the same session, which could continue it. Zombies and children of init
// do not count.
bool orphaned_group_locked(int pgid, int sid) REQUIRES(g_table_lock) {
    for (Process* p = g_table.first(); p; p = p->next_in_table) {
        if (p->pgid != pgid || p->zombie || !p->parent || p->parent == g_init) continue;
        if (p->parent->pgid != pgid && p->parent->sid == sid) return false;
    }
    return true;
}

}  // namespace

void notify_parent_of_job_locked(Process* p, int32_t code, int status) REQUIRES(g_table_lock) {
    Process* parent = p->parent;
    if (!parent) return;
    if (parent_wants_stop_reports(*parent))
        (void)send_signal(parent, kSigChld, PendingInfo{code, p->pid, status, 0, 0});
    parent->child_exited.wake_all();
}

void continue_process_locked(Process* p) REQUIRES(g_table_lock) {
    if (p->zombie || !p->job.stopped) return;
    p->job.stopped = false;
    if (p->signal_actions) {
        sync::NoInterruptsGuard signal_lock(g_signal_lock);
        p->signal_actions->stopped = false;
    }
    p->job.report = JobState::Report::kContinued;
    g_stopped.wake_all();
    notify_parent_of_job_locked(p, kCldContinued, kSigCont);
}

void hang_up_orphaned_locked(int pgid, int sid) REQUIRES(g_table_lock) {
    bool stopped = false;
    for (Process* q = g_table.first(); q && !stopped; q = q->next_in_table)
        stopped = q->pgid == pgid && !q->zombie && q->job.stopped;
    if (!stopped || !orphaned_group_locked(pgid, sid)) return;
    const PendingInfo info{kSiKernel, 0, 0, 0, 0};
    for (Process* q = g_table.first(); q; q = q->next_in_table) {
        if (q->pgid != pgid || q->zombie) continue;
        (void)send_signal(q, kSigHup, info);
        continue_process_locked(q);
        (void)send_signal(q, kSigCont, info);
    }
}

OrphanCandidates orphan_candidates_of_locked(const Process* p) REQUIRES(g_table_lock) {
    OrphanCandidates c;
    if (p->parent && p->parent->pgid != p->pgid && p->parent->sid == p->sid) c.add(p->pgid);
    return c;
}

namespace {

// Only SIGCONT (continue_process_locked) or a kill ends this; other
// signals stay pending until then.
void wait_while_stopped_locked(Process* p) REQUIRES(g_table_lock) {
    while (p->job.stopped) {
        if (g_stopped.wait(g_table_lock, {}, WaitMode::kKillable) == WakeReason::kKilled) break;
    }
}

// kill()'s target: a pid, or any thread's ID, which names its process
// (Linux's kill_pid_info signals the thread's whole group).
Process* process_of_id(int id) REQUIRES(g_table_lock) {
    if (Process* p = g_table.find(id)) return p;
    Thread* t = g_table.find_thread(id);
    return t ? t->process : nullptr;
}

}  // namespace

void stop_current_process(int sig, uint32_t continues) {
    Process* p = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    // init never stops (Linux's SIGNAL_UNKILLABLE): nothing could continue it.
    if (p == g_init) return;
    // The terminal's stop signals do nothing to an orphaned group: no job
    // control shell would ever continue it (Linux's get_signal). SIGSTOP
    // stops it all the same.
    if (sig != kSigStop && orphaned_group_locked(p->pgid, p->sid)) return;
    {
        // A SIGCONT sent since the stop signal was taken cancels the stop
        // (a sender that would continue a stopped process holds the table
        // lock: it comes wholly before this or after).
        sync::NoInterruptsGuard signal_lock(g_signal_lock);
        if (!p->signal_actions || p->signal_actions->continue_count != continues) return;
        p->signal_actions->stopped = true;
    }
    p->job.stopped = true;
    p->job.stop_signal = uint8_t(sig);
    p->job.report = JobState::Report::kStopped;
    notify_parent_of_job_locked(p, kCldStopped, sig);
    // The process's other threads leave their interruptible waits, and
    // stop on their way back to user mode (wait_while_stopped).
    Thread* self = current_thread();
    for_each_thread(*p, [&](Thread& t) {
        if (&t != self) interrupt_wait(&t);
    });
    wait_while_stopped_locked(p);
}

void wait_while_stopped() {
    sync::NoInterruptsGuard lock(g_table_lock);
    wait_while_stopped_locked(current_process());
}

Result<void> queue_signal(int pid, int sig, const PendingInfo& info) {
    if (sig < 0 || sig > kSignalCount) return Error::kInvalid;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* target = pid > 0 ? process_of_id(pid) : nullptr;
    if (!target) return Error::kNoProcess;
    if (!sig || target->zombie) return {};
    if (target == g_init && target != current_process() && !handles_signal(*target, sig)) return {};
    if (sig == kSigCont) continue_process_locked(target);
    return send_signal(target, sig, info);
}

int current_process_group() {
    sync::NoInterruptsGuard lock(g_table_lock);
    return current_process()->pgid;
}

Result<void> set_process_group(int pid, int pgid) {
    if (pgid < 0) return Error::kInvalid;
    Process* self = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* target = pid == 0 ? self : g_table.find(pid);
    if (!target || (target != self && target->parent != self) || target->zombie)
        return Error::kNoProcess;
    if (target != self && target->did_exec) return Error::kAccess;
    if (pgid == 0) pgid = target->pid;
    // A session leader keeps its group; a process moves only within its
    // session, into its own group or one that exists there.
    if (target->sid == target->pid) return Error::kPermission;
    if (target->sid != self->sid) return Error::kPermission;
    if (pgid != target->pid) {
        bool exists = false;
        for (Process* p = g_table.first(); p && !exists; p = p->next_in_table)
            exists = p->pgid == pgid && p->sid == self->sid && !p->zombie;
        if (!exists) return Error::kPermission;
    }
    target->pgid = pgid;
    return {};
}

Result<int> process_group(int pid) {
    Process* self = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* target = pid == 0 ? self : g_table.find(pid);
    if (!target) return Error::kNoProcess;
    return target->pgid;
}

Result<int> session_of(int pid) {
    Process* self = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* target = pid == 0 ? self : g_table.find(pid);
    if (!target) return Error::kNoProcess;
    return target->sid;
}

Result<int> start_session() {
    Process* self = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    // A group leader cannot start a session: its group would span two.
    if (self->pgid == self->pid) return Error::kPermission;
    for (Process* p = g_table.first(); p; p = p->next_in_table)
        if (p != self && p->pgid == self->pid) return Error::kPermission;
    self->sid = self->pgid = self->pid;
    return self->sid;
}

bool session_alive(int sid) {
    if (sid <= 0) return false;
    sync::NoInterruptsGuard lock(g_table_lock);
    for (Process* p = g_table.first(); p; p = p->next_in_table)
        if (p->sid == sid && !p->zombie) return true;
    return false;
}

bool group_exists(int pgid) {
    if (pgid <= 0) return false;
    sync::NoInterruptsGuard lock(g_table_lock);
    for (Process* p = g_table.first(); p; p = p->next_in_table)
        if (p->pgid == pgid && !p->zombie) return true;
    return false;
}

bool group_in_session(int pgid, int sid) {
    if (pgid <= 0) return false;
    sync::NoInterruptsGuard lock(g_table_lock);
    for (Process* p = g_table.first(); p; p = p->next_in_table)
        if (p->pgid == pgid && p->sid == sid && !p->zombie) return true;
    return false;
}

bool group_orphaned(int pgid, int sid) {
    sync::NoInterruptsGuard lock(g_table_lock);
    return orphaned_group_locked(pgid, sid);
}

void signal_group(int pgid, int sig) {
    if (pgid <= 0) return;
    PendingInfo info{kSiKernel, 0, 0, 0, 0};
    sync::NoInterruptsGuard lock(g_table_lock);
    for (Process* target = g_table.first(); target; target = target->next_in_table) {
        if (target->pgid != pgid || target->zombie) continue;
        if (target == g_init && !handles_signal(*target, sig)) continue;
        if (sig == kSigCont) continue_process_locked(target);
        (void)send_signal(target, sig, info);
    }
}

Result<void> signal_processes(int pid, int sig) {
    if (sig < 0 || sig > kSignalCount) return Error::kInvalid;
    Process* self = current_process();
    PendingInfo info{kSiUser, self->pid, 0, 0, 0};
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* init = g_init;
    // init gets only the signals it has a handler for (Linux's
    // SIGNAL_UNKILLABLE), and a kill() of init or of a zombie succeeds
    // without effect.
    auto deliver = [&](Process* target) REQUIRES(g_table_lock) {
        if (!sig || target->zombie) return;
        if (target == init && target != self && !handles_signal(*target, sig)) return;
        if (sig == kSigCont) continue_process_locked(target);
        (void)send_signal(target, sig, info);  // kill() never runs out of queue room
    };
    if (pid > 0) {
        Process* target = process_of_id(pid);
        if (!target) return Error::kNoProcess;
        deliver(target);
        return {};
    }
    // 0: the caller's group; -1: every process but init and the caller;
    // below -1: the group -pid.
    int group = pid == 0 ? self->pgid : -pid;
    bool found = false;
    for (Process* target = g_table.first(); target; target = target->next_in_table) {
        if (pid == -1 ? (target == init || target == self) : target->pgid != group) continue;
        found = true;
        deliver(target);
    }
    if (!found) return Error::kNoProcess;
    return {};
}

namespace {

// A thread that has not ended, by ID.
Thread* find_live_thread(int tid) REQUIRES(g_table_lock) {
    Thread* t = tid > 0 ? g_table.find_thread(tid) : nullptr;
    if (!t || t->process->zombie || t->observed_state() == ThreadState::kDead) return nullptr;
    return t;
}

}  // namespace

Result<void> with_thread(int tid, Result<void> (*fn)(Thread&, void*), void* ctx) {
    sync::NoInterruptsGuard lock(g_table_lock);
    Thread* t = find_live_thread(tid);
    if (!t) return Error::kNoProcess;
    return fn(*t, ctx);
}

Result<void> signal_thread(int tgid, int tid, int sig, const PendingInfo& info) {
    if (sig < 0 || sig > kSignalCount) return Error::kInvalid;
    sync::NoInterruptsGuard lock(g_table_lock);
    Thread* t = find_live_thread(tid);
    if (!t || (tgid > 0 && t->process->pid != tgid)) return Error::kNoProcess;
    Process* target = t->process;
    if (!sig) return {};
    if (target == g_init && target != current_process() && !handles_signal(*target, sig)) return {};
    if (sig == kSigCont) continue_process_locked(target);
    return send_signal(target, sig, info, t);
}

void send_posix_timer_signal(Process& process, int tid, int sig, const PendingInfo& info) {
    sync::NoInterruptsGuard lock(g_table_lock);
    Thread* t = nullptr;
    if (tid) {
        // The thread it names may have ended: the signal is lost, as on Linux.
        t = find_live_thread(tid);
        if (!t || t->process != &process) return;
    }
    if (SignalActions* table = process.signal_actions) {
        sync::NoInterruptsGuard signals(g_signal_lock);
        if (PendingInfo* pending =
                pending_timer_info(*table, t ? &t->signals : nullptr, sig, info.pid)) {
            int64_t sum = int64_t(pending->status) + 1 + info.status;
            pending->status = sum > kDelaytimerMax ? kDelaytimerMax : int32_t(sum);
            pending->reserved = info.reserved;  // now of the current setting
            return;
        }
    }
    if (sig == kSigCont) continue_process_locked(&process);
    (void)send_signal(&process, sig, info, t);
}

}  // namespace nyanos::proc
