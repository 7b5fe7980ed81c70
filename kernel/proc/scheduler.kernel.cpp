// The kernel side of scheduling: CPU state around the portable run queue,
// and the blocking half of WaitQueue.
//
// Following a CR3: switch_to() loads next->active_root unless it is already
// live (the idle thread has none and keeps whatever is live), so a thread
// preempted inside a ScopedCr3 guard resumes on the guarded root.
#include "proc/scheduler.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "dev/console_input.h"
#include "lib/format.h"
#include "lib/panic.h"
#include "mm/pcid.h"
#include "proc/lifecycle.h"
#include "proc/scoped_cr3.h"
#include "proc/wait_queue.h"

extern "C" void arch_switch_context(uint64_t* save_rsp, uint64_t next_rsp);

namespace nyanos::proc {

namespace {

static_assert(kFpuStateBytes == arch::kFpuStateBytes);
constexpr uint64_t kQuantumMs = 10;

Thread g_idle;
Thread* g_current = &g_idle;
ThreadQueue g_run_queue;
// Threads blocked with a deadline, through Thread::next_timed (unordered:
// the tick looks at each; there are few).
Thread* g_timed = nullptr;
WaitQueue g_sleepers;     // sleep_ms: only deadlines and kills end these waits
WaitQueue g_input_ready;  // woken when console input arrives
uint64_t g_quantum_left = kQuantumMs;
bool g_need_resched = false;  // the quantum expired while the kernel was busy

// Switches the CPU to `next` (interrupts off). Returns when the current
// thread is switched back to.
void switch_to(Thread* next) {
    Thread* prev = g_current;
    if (prev == next) {
        next->state = ThreadState::kRunning;
        return;
    }
    if (prev != &g_idle) arch::fpu_save(prev->fpu_state());
    // No CR3 write to the idle thread (it runs on whatever is live) or to a
    // thread already on the live root.
    if (next != &g_idle && next->active_root != arch::read_cr3()) mm::load_cr3(next->active_root);
    arch::set_kernel_stack(next->stack_rsp0());
    arch::this_cpu_entry().kernel_rsp = next->stack_rsp0();
    g_current = next;
    next->state = ThreadState::kRunning;
    if (next != &g_idle) arch::fpu_restore(next->fpu_state());
    arch_switch_context(&prev->saved_rsp, next->saved_rsp);
}

// Picks the next runnable thread (or idle) and switches to it. The caller
// has already put the current thread where it belongs (run queue, a wait
// queue, or nowhere for a dead one).
void schedule() {
    Thread* next = g_run_queue.pop_front();
    if (!next) next = &g_idle;
    g_quantum_left = kQuantumMs;
    g_need_resched = false;
    switch_to(next);
}

void unlink_timed(Thread* thread) {
    for (Thread** link = &g_timed; *link; link = &(*link)->next_timed) {
        if (*link != thread) continue;
        *link = thread->next_timed;
        thread->next_timed = nullptr;
        return;
    }
}

// Ends the waits whose deadline has come; called on every tick.
void expire_deadlines(uint64_t now) {
    Thread** link = &g_timed;
    while (Thread* t = *link) {
        if (t->wake_at_ms > now) {
            link = &t->next_timed;
            continue;
        }
        wake_thread(t, WakeReason::kTimedOut);  // unlinks t: *link is now its successor
    }
}

void on_timer(arch::InterruptFrame& frame) {
    if (g_timed) expire_deadlines(arch::uptime_ms());
    if (g_current == &g_idle) {
        if (!g_run_queue.empty()) schedule();
        return;
    }
    if (g_quantum_left > 0) --g_quantum_left;
    if (g_quantum_left == 0 && !g_run_queue.empty()) {
        if (!frame.from_user()) {
            // In the middle of a system call: switch at its next preempt_point().
            g_need_resched = true;
            return;
        }
        make_ready(g_current);
        schedule();
    }
    // Back on this thread (maybe much later): a pending kill takes effect on
    // the way back to user mode.
    if (frame.from_user()) die_if_killed();
}

void wake_input_waiters() {
    g_input_ready.wake_all();
}

bool kill_pending(const Thread* thread) {
    return thread->process && thread->process->pending_signal;
}

}  // namespace

void init_scheduler() {
    arch::init_fpu_clean_state();
    g_idle.state = ThreadState::kRunning;
    g_idle.kernel_stack_top = arch::kernel_stack();
    console_input::set_data_available_hook(wake_input_waiters);
    arch::set_timer_handler(on_timer);
}

Thread* current_thread() {
    return g_current;
}

Process* current_process() {
    return g_current->process;
}

bool is_idle(const Thread* thread) {
    return thread == &g_idle;
}

void make_ready(Thread* thread) {
    thread->state = ThreadState::kReady;
    g_run_queue.push_back(thread);
}

WakeReason block_current(ThreadQueue& queue, WaitQueue* owner, uint64_t deadline_ms) {
    Thread* self = g_current;
    VERIFY(self != &g_idle);
    if (kill_pending(self)) return WakeReason::kKilled;
    self->state = ThreadState::kBlocked;
    self->waiting_on = owner;
    queue.push_back(self);
    self->wake_at_ms = deadline_ms;
    if (deadline_ms != WaitQueue::kNoDeadline) {
        self->next_timed = g_timed;
        g_timed = self;
    }
    schedule();
    return self->wake_reason;
}

void wake_thread(Thread* thread, WakeReason reason) {
    VERIFY(thread->state == ThreadState::kBlocked);
    if (thread->waiting_on) thread->waiting_on->m_waiters.remove(thread);
    if (thread->wake_at_ms != WaitQueue::kNoDeadline) unlink_timed(thread);
    thread->waiting_on = nullptr;
    thread->wake_at_ms = WaitQueue::kNoDeadline;
    thread->wake_reason = reason;
    make_ready(thread);
}

WakeReason WaitQueue::wait(uint64_t deadline_ms) {
    return block_current(m_waiters, this, deadline_ms);
}

bool WaitQueue::wake_one() {
    Thread* t = m_waiters.pop_front();
    if (!t) return false;
    t->waiting_on = nullptr;  // already out of the queue
    wake_thread(t, WakeReason::kWoken);
    return true;
}

void WaitQueue::wake_all() {
    while (wake_one()) {
    }
}

void schedule_away_from_dead() {
    schedule();
    panic("exit: a dead thread was scheduled");
}

void die_if_killed() {
    if (kill_pending(g_current)) exit_current(g_current->process->pending_signal);
}

void request_kill(Process* process, int signal, const char* why) {
    if (process->pending_signal) return;
    process->pending_signal = signal;
    format(process->kill_reason, sizeof(process->kill_reason), "%s", why);
    Thread* t = process->thread;
    if (t && t->state == ThreadState::kBlocked) wake_thread(t, WakeReason::kKilled);
}

void idle_loop() {
    for (;;) {
        arch::enable_interrupts();
        arch::halt();
    }
}

void yield_if_needed() {
    if (g_current == &g_idle) return;
    arch::InterruptDisabler no_interrupts;
    if (!g_need_resched) return;
    g_need_resched = false;
    if (g_run_queue.empty()) return;
    make_ready(g_current);
    schedule();
}

void preempt_point() {
    // Every system call ends here: the common case is two loads. A flag set
    // by an interrupt just after this check is seen at the next tick, which
    // preempts or kills from user mode anyway.
    if (!g_need_resched && !g_current->process->pending_signal) return;
    yield_if_needed();
    arch::InterruptDisabler no_interrupts;
    die_if_killed();
}

void yield() {
    arch::InterruptDisabler no_interrupts;
    if (g_run_queue.empty()) return;
    make_ready(g_current);
    schedule();
}

void sleep_ms(uint64_t ms) {
    arch::InterruptDisabler no_interrupts;
    g_sleepers.wait(arch::uptime_ms() + ms);
    die_if_killed();
}

void wait_for_input() {
    arch::InterruptDisabler no_interrupts;
    if (!console_input::empty()) return;
    g_input_ready.wait();
    die_if_killed();
}

uint64_t TaskRoots::active() {
    uint64_t root = g_current->active_root;
    return root ? root : arch::read_cr3();
}

void TaskRoots::activate(uint64_t root) {
    arch::InterruptDisabler no_interrupts;
    g_current->active_root = root;
    if (arch::read_cr3() != root) mm::load_cr3(root);
}

}  // namespace nyanos::proc
