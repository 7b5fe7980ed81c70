// The kernel side of scheduling: CPU state around the portable run queue.
//
// Following a CR3: switch_to() loads next->active_root unless it is already
// live (the idle task has none and keeps whatever is live), so a task
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
#include "proc/process.h"
#include "proc/scoped_cr3.h"

extern "C" void arch_switch_context(uint64_t* save_rsp, uint64_t next_rsp);
extern "C" void arch_syscall_entry();

namespace nyanos::proc {

namespace {

static_assert(kFpuStateBytes == arch::kFpuStateBytes);
constexpr uint64_t kQuantumMs = 10;

arch::CpuEntryArea g_cpu;
Task g_idle;
Task* g_current = &g_idle;
TaskQueue g_run_queue;
TaskQueue g_sleepers;
TaskQueue g_input_waiters;
uint64_t g_quantum_left = kQuantumMs;
bool g_need_resched = false;  // the quantum expired while the kernel was busy

// Switches the CPU to `next` (interrupts off). Returns when the current task
// is switched back to.
void switch_to(Task* next) {
    Task* prev = g_current;
    if (prev == next) {
        next->state = TaskState::kRunning;
        return;
    }
    if (prev != &g_idle) arch::fpu_save(prev->fpu_state());
    // No CR3 write to the idle task (it runs on whatever is live) or to a
    // task already on the live root.
    if (next != &g_idle && next->active_root != arch::read_cr3()) mm::load_cr3(next->active_root);
    arch::set_kernel_stack(next->stack_rsp0());
    g_cpu.kernel_rsp = next->stack_rsp0();
    g_current = next;
    next->state = TaskState::kRunning;
    if (next != &g_idle) arch::fpu_restore(next->fpu_state());
    arch_switch_context(&prev->saved_rsp, next->saved_rsp);
}

// Picks the next runnable task (or idle) and switches to it. The caller has
// already put the current task where it belongs (run queue, a wait queue,
// or nowhere for a zombie).
void schedule() {
    Task* next = g_run_queue.pop_front();
    if (!next) next = &g_idle;
    g_quantum_left = kQuantumMs;
    g_need_resched = false;
    switch_to(next);
}

// Wakes sleepers whose time has come; called on every tick.
void wake_sleepers(uint64_t now) {
    if (g_sleepers.empty()) return;
    TaskQueue still;
    while (Task* t = g_sleepers.pop_front()) {
        if (t->wake_at_ms <= now || t->pending_signal)
            make_ready(t);
        else
            still.push_back(t);
    }
    while (Task* t = still.pop_front()) g_sleepers.push_back(t);
}

void on_timer(arch::InterruptFrame& frame) {
    wake_sleepers(arch::uptime_ms());
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
    // Back on this task (maybe much later): a pending kill takes effect on
    // the way back to user mode.
    if (frame.from_user()) die_if_killed();
}

void wake_input_waiters() {
    while (Task* t = g_input_waiters.pop_front()) make_ready(t);
}

}  // namespace

void init_scheduler() {
    arch::install_cpu_local(g_cpu, arch_syscall_entry);
    arch::init_fpu_clean_state();
    format(g_idle.name, sizeof(g_idle.name), "idle");
    g_idle.state = TaskState::kRunning;
    g_idle.kernel_stack_top = arch::kernel_stack();
    console_input::set_data_available_hook(wake_input_waiters);
    arch::set_timer_handler(on_timer);
}

Task* current_task() {
    return g_current;
}

bool is_idle(const Task* task) {
    return task == &g_idle;
}

void make_ready(Task* t) {
    t->state = TaskState::kReady;
    t->wait_reason = WaitReason::kNone;
    g_run_queue.push_back(t);
}

void block_current(WaitReason reason, TaskQueue* queue) {
    die_if_killed();
    g_current->state = TaskState::kBlocked;
    g_current->wait_reason = reason;
    if (queue) queue->push_back(g_current);
    schedule();
}

void unqueue(Task* t) {
    g_run_queue.remove(t);
    g_sleepers.remove(t);
    g_input_waiters.remove(t);
}

void schedule_away_from_zombie() {
    schedule();
    panic("exit: a zombie was scheduled");
}

void die_if_killed() {
    if (g_current != &g_idle && g_current->pending_signal) exit_current(g_current->pending_signal);
}

void request_kill(Task* t, int signal, const char* why) {
    if (t->pending_signal) return;
    t->pending_signal = signal;
    format(t->kill_reason, sizeof(t->kill_reason), "%s", why);
    if (t->state == TaskState::kBlocked) {
        g_sleepers.remove(t);
        g_input_waiters.remove(t);
        make_ready(t);
    }
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
    if (!g_need_resched && !g_current->pending_signal) return;
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
    g_current->wake_at_ms = arch::uptime_ms() + ms;
    block_current(WaitReason::kSleep, &g_sleepers);
    die_if_killed();
}

void wait_for_input() {
    arch::InterruptDisabler no_interrupts;
    if (!console_input::empty()) return;
    block_current(WaitReason::kInput, &g_input_waiters);
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
