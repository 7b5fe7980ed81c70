// The threads of a process (Linux's CLONE_THREAD and what follows from
// it): starting one, freeing those that ended, execve ending all but its
// caller, and an ending thread's last duties (its clear-tid word, its
// robust futexes, the signals it can no longer take). A process's own
// start and end are in lifecycle.kernel.cpp.
#include "arch/x86_64/cpu.h"
#include "proc/futex.h"
#include "proc/lifecycle.h"
#include "proc/lifecycle_shared.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/signal_queue.h"
#include "proc/usage.h"
#include "syscall/user_memory.h"

namespace nyanos::proc {

// Frees the threads of `p` (the leader aside) that have ended and left
// their CPU: threads reap themselves, as on Linux, so a process that starts
// and ends threads all its life does not pile them up.
void free_ended_threads(Process* p) {
    Thread* ended = nullptr;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        sync::Guard threads(g_signal_lock);
        for (Thread** link = &p->thread->next_in_process; *link;) {
            Thread* t = *link;
            if (t->observed_state() != ThreadState::kDead ||
                __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
                link = &t->next_in_process;
                continue;
            }
            *link = t->next_in_process;
            CpuTicks ticks = thread_cpu_ticks(*t);
            p->freed_threads_ticks.user += ticks.user;
            p->freed_threads_ticks.system += ticks.system;
            t->next_in_process = ended;
            ended = t;
        }
    }
    // Without the locks: freeing a kernel stack may wait for other CPUs.
    while (ended) {
        Thread* next = ended->next_in_process;
        free_thread(ended);
        ended = next;
    }
}

// clone with CLONE_THREAD: a new thread of the caller's process, sharing
// everything the process holds (memory, descriptors, signal actions, cwd).
Result<int> clone_thread(const CloneRequest& request, const arch::InterruptFrame& regs) {
    uint64_t flags = request.flags;
    Thread* self = current_thread();
    Process* p = self->process;
    if ((flags & kCloneSettls) && !arch::is_settable_user_base(request.tls))
        return Error::kPermission;
    free_ended_threads(p);
    // A thread with its own stack starts without an alternate signal stack
    // (Linux: CLONE_VM without CLONE_VFORK).
    Thread* t = TRY(create_cloned_thread(p, self, request, regs));

    // Commit.
    int tid = 0;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        // A process that is ending, or whose other thread is in execve,
        // gets no new thread (the caller ends on its way out).
        if (!p->group_exiting && !p->exec_thread) {
            tid = t->tid = g_table.allocate_pid();
            sync::Guard threads(g_signal_lock);
            t->next_in_process = p->thread->next_in_process;
            p->thread->next_in_process = t;
            ++p->live_threads;
        }
    }
    if (!tid) {
        free_thread(t);
        return Error::kAgain;
    }
    // Before the thread runs, as Linux does: it may read its own ID from
    // either word at once (musl's pthread_self()->tid).
    int32_t id = tid;
    if (flags & kCloneParentSettid) (void)sys::copy_to_user(request.parent_tid, &id, sizeof(id));
    if (flags & kCloneChildSettid) (void)sys::copy_to_user(request.child_tid, &id, sizeof(id));
    make_ready(t);
    return tid;
}

// execve in a process with other threads: they end first (Linux's
// de_thread), and the caller takes the leader's place, with the pid as its
// thread ID. kRestartNoHand if the caller is to end meanwhile (its process
// is ending, or another thread's execve won): it ends on its way out.
Result<void> end_other_threads(Thread* self, Process* p) {
    if (p->thread == self && !p->thread->next_in_process) return {};
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        // Another thread's execve came first: it wins, this thread ends.
        if (p->exec_thread && p->exec_thread != self) return Error::kRestartNoHand;
        raise_return_attention(p);
        __atomic_store_n(&p->exec_thread, self, __ATOMIC_RELAXED);
        end_waits_of_other_threads(p, self);
    }
    // They end at their next safe point: a tick away at most for one that
    // runs user code on another CPU.
    while (__atomic_load_n(&p->live_threads, __ATOMIC_ACQUIRE) > 1) {
        if (__atomic_load_n(&p->group_exiting, __ATOMIC_RELAXED)) return Error::kRestartNoHand;
        yield();
        __builtin_ia32_pause();
    }
    Thread* ended = nullptr;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        sync::Guard threads(g_signal_lock);
        for (Thread* t = p->thread; t;) {
            Thread* next = t->next_in_process;
            if (t != self) {
                CpuTicks ticks = thread_cpu_ticks(*t);
                p->freed_threads_ticks.user += ticks.user;
                p->freed_threads_ticks.system += ticks.system;
                t->next_in_process = ended;
                ended = t;
            }
            t = next;
        }
        p->thread = self;
        self->next_in_process = nullptr;
        self->tid = p->pid;
        __atomic_store_n(&p->exec_thread, nullptr, __ATOMIC_RELAXED);
    }
    while (ended) {
        Thread* next = ended->next_in_process;
        wait_until_off_cpu(ended);
        free_thread(ended);
        ended = next;
    }
    return {};
}

// set_tid_address / CLONE_CHILD_CLEARTID: an ending thread clears the word
// and wakes one futex waiter on it (pthread_join waits there); before that,
// it releases the robust futexes it holds (proc/futex.h). Only while
// other threads share the memory (Linux: while the mm has other users);
// a bad address is ignored, as Linux does. Needs interrupts on (the writes
// may fault pages in), so it turns them on for them.
void clear_child_tid(Thread* self, Process* p) {
    UserThreadWords& words = self->words();
    uint64_t at = words.clear_child_tid;
    uint64_t robust = words.robust_list;
    words.clear_child_tid = words.robust_list = 0;
    // The robust list matters even to the last thread (a process-shared
    // mutex in MAP_SHARED memory); the clear-tid only while others share
    // the memory (its threads, or a vfork parent).
    if (__atomic_load_n(&p->live_threads, __ATOMIC_RELAXED) <= 1 && !p->mm->shared()) at = 0;
    if (!at && !robust) return;
    bool were_enabled = arch::read_rflags() & arch::kRflagsInterrupt;
    arch::enable_interrupts();
    // Robust futexes first, as Linux: a joiner woken by the clear-tid may
    // take the dead thread's mutexes at once.
    if (robust) release_robust_futexes(*p, *self, robust);
    uint32_t zero = 0;
    if (at && sys::copy_to_user(at, &zero, sizeof(zero)).ok())
        (void)futex_wake(*p, at, false, 1, kFutexBitsetAny);
    if (!were_enabled) arch::disable_interrupts();
}

// An ending thread takes no more signals: it blocks them all, and a
// process-directed signal pending now goes to a sibling that can take it
// (Linux's retarget_shared_pending). Under the table lock, so that the
// sibling is not freed before it is woken.
void stop_taking_signals(Thread* self, Process* p) {
    sync::NoInterruptsGuard lock(g_table_lock);
    Thread* heir = nullptr;
    {
        sync::Guard signals(g_signal_lock);
        self->signals.blocked = ~SigSet(0);
        // What was sent to this thread alone goes with it (Linux flushes
        // the thread's queue): its queued instances are freed now, so that
        // none outlives it or reaches a thread later allocated in its place.
        discard_pending(*p->signal_actions, &self->signals, ~SigSet(0));
        if (SigSet pending = p->signal_actions->pending) heir = thread_to_take(*p, pending);
    }
    if (heir) interrupt_wait(heir);
}

}  // namespace nyanos::proc
