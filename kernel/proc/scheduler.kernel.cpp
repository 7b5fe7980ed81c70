// The kernel side of scheduling: CPU state around the portable run queue,
// and the blocking half of WaitQueue.
//
// Following a CR3: switch_to() loads next->active_root unless it is already
// live, so a thread preempted inside a ScopedCr3 guard resumes on the
// guarded root. An idle thread has no root of its own: with one CPU it runs
// on whatever is live; with several it loads the kernel's, so that no idle
// CPU keeps a process's page tables in use while another CPU (running that
// process's exit) frees them.
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"

#include "arch/x86_64/context_switch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/stack_switch.h"
#include "arch/x86_64/kpti.h"
#include "arch/x86_64/speculation.h"
#include "arch/x86_64/switch_extras.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/user_segments.h"
#include "dev/console_input.h"
#include "lib/console.h"
#include "lib/load_average.h"
#include "lib/format.h"
#include "lib/panic.h"
#include "mm/pcid.h"
#include "mm/vmm.h"
#include "proc/lifecycle.h"
#include "proc/memory_space.h"
#include "proc/process.h"
#include "proc/process_timers.h"
#include "proc/scoped_cr3.h"
#include "proc/timed_event.h"
#include "proc/wait_event.h"
#include "proc/wait_queue.h"

namespace nyanos::proc {

sync::SpinLock g_scheduler_lock;

namespace {

// Per-CPU scheduler state, indexed by CPU index; each CPU reaches its own
// through GS (this_cpu()). Slots of CPUs that never start stay unused.
Cpu g_cpus[kMaxCpus];
unsigned g_cpu_count = 0;    // written once per CPU as it joins, under the lock
uint64_t g_online_cpus = 0;  // a bit per CPU index that joined; likewise

ThreadQueue g_run_queue GUARDED_BY(g_scheduler_lock);
// CPUs running their idle thread (bit per index): a thread made ready wakes
// one of them with an IPI instead of waiting for its next tick.
uint64_t g_idle_cpus GUARDED_BY(g_scheduler_lock) = 0;
// Threads blocked with a deadline, through Thread::next_timed (unordered:
// the tick looks at each; there are few).
Thread* g_timed GUARDED_BY(g_scheduler_lock) = nullptr;
WaitQueue g_sleepers;     // sleep_ms: only deadlines and kills end these waits
WaitEvent g_input_ready;  // fired when console input arrives

// The load averages, sampled by the boot CPU's tick every
// LoadAverage::kSampleSeconds and one tick (Linux's LOAD_FREQ).
constexpr uint32_t kLoadSampleTicks = LoadAverage::kSampleSeconds * arch::kTimerHz + 1;
LoadAverage g_load;
uint32_t g_load_countdown GUARDED_BY(g_scheduler_lock) = kLoadSampleTicks;

// make_ready_locked's body, inline where a yield needs it.
[[gnu::always_inline]] inline void enqueue_ready(Thread* thread) REQUIRES(g_scheduler_lock) {
    thread->state = ThreadState::kReady;
    g_run_queue.push_back(thread);
    // Only accepted, not handled, is waited for: safe with the lock held.
    // Usually no CPU idles (always so with one CPU): one test then.
    if (!g_idle_cpus) return;
    uint64_t others = g_idle_cpus & ~(uint64_t(1) << arch::this_cpu_index());
    if (others) arch::send_ipi(unsigned(__builtin_ctzll(others)), arch::kRescheduleVector);
}

// The second half of every switch, run by the thread switched to (on the
// CPU it now runs on): the thread switched away from has left its stack.
// The thread switched away from is in the entry area's switched_from,
// written just before the stacks change, so that it is one GS load here.
void finish_switch() REQUIRES(g_scheduler_lock) {
    Thread* prev;
    asm volatile("movq %%gs:112, %0" : "=r"(prev));
    if (prev) {
        __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
        asm volatile("movq $0, %%gs:112" : : : "memory");
    }
}

// The root `t` returns to user mode on under page-table isolation: its
// process's user root (0 once the process has let its memory go). Read
// without the table lock: only exec and exit change a process's memory, on
// the process's own thread, which is not running while it is switched to.
uint64_t user_root_of(const Thread& t) NO_THREAD_SAFETY_ANALYSIS {
    const MemorySpace* mm = t.process ? t.process->mm : nullptr;
    return mm ? mm->user_cr3() : 0;
}

// switch_to's root change where a boot-time choice adds work to it
// (arch/x86_64/switch_extras.h); out of line, as most machines never take it.
[[gnu::noinline]] void switch_root_with_extras(Cpu& cpu, Thread* next, uint64_t root)
    REQUIRES(g_scheduler_lock) {
    if (root && root != arch::read_cr3()) {
        // Another process's space (the idle thread's is the kernel's): no
        // indirect branch there may follow targets trained here (Spectre
        // v2), where IBPB is on. A root freed and reused by a new process
        // is never still loaded (exit leaves on the kernel root), so it
        // gets its barrier too.
        if (arch::g_ibpb_on_switch && next != &cpu.idle) arch::predictor_barrier();
        mm::load_cr3(root);
    }
    // Page-table isolation: the roots the entry and exit paths switch
    // between are this thread's (kernel threads and idle never return to
    // user mode). A process's memory changes only in exec, which sets
    // them again once it has (lifecycle.kernel.cpp).
    if (arch::kpti_enabled() && next != &cpu.idle)
        arch::set_entry_roots(next->active_root, user_root_of(*next));
}

// Switches this CPU to `next` (interrupts off, the lock held; it stays held
// across the switch and the thread switched to releases it). Returns when
// the current thread is switched back to, maybe on another CPU. Inline in
// schedule(), so a switch is one call (arch_switch_stack) below its
// caller.
[[gnu::always_inline]] inline void switch_to(Cpu& cpu, Thread* next) REQUIRES(g_scheduler_lock) {
    Thread* prev = current_thread();
    if (prev == next) {
        next->state = ThreadState::kRunning;
        return;
    }
    // The kernel never uses the FPU, so next's state may be loaded before
    // the stacks change.
    uint64_t root;
    if (prev != &cpu.idle && next != &cpu.idle) [[likely]] {
        // One user thread to another: the one test above instead of one per
        // step (the idle thread has no user state and no root of its own).
        arch::save_user_selectors(prev->segments());
        arch::load_user_segments(cpu.user_bases, next->segments(), prev->segments().selectors);
        arch::fpu_switch(prev->fpu_state(), next->fpu_state());
        root = next->active_root;
    } else {
        bool next_idle = next == &cpu.idle;
        bool prev_idle = prev == &cpu.idle;
        arch::switch_user_segments(cpu.user_bases, prev_idle ? nullptr : &prev->segments(),
                                   next_idle ? nullptr : &next->segments());
        if (!prev_idle) arch::fpu_save(prev->fpu_state());
        if (!next_idle) arch::fpu_restore(next->fpu_state());
        root = next_idle ? (g_cpu_count > 1 ? mm::kernel_root() : 0) : next->active_root;
        // This CPU's bit in g_idle_cpus is set exactly while it runs its
        // idle thread, so only a switch to or from idle changes it.
        if (next_idle)
            g_idle_cpus |= uint64_t(1) << cpu.index;
        else
            g_idle_cpus &= ~(uint64_t(1) << cpu.index);
    }
    if (arch::g_switch_extras) [[unlikely]] {
        switch_root_with_extras(cpu, next, root);
    } else if (root && root != arch::read_cr3()) {
        mm::load_cr3_untagged(root);
    }
    uint64_t rsp0 = next->stack_rsp0();
    arch::set_kernel_stack(rsp0);
    arch::set_syscall_kernel_rsp(rsp0);
    asm volatile("movq %0, %%gs:96" : : "r"(next) : "memory");  // current_thread()
    asm volatile("movq %0, %%gs:112" : : "r"(prev) : "memory");  // finish_switch()
    next->state = ThreadState::kRunning;
    next->on_cpu = true;
    // One add to memory: only this CPU writes the count, and an aligned
    // 8-byte write is never seen half done by the relaxed readers.
    asm volatile("addq $1, %0" : "+m"(cpu.switches));
    arch::switch_stack(&prev->saved_rsp, next->saved_rsp);
    finish_switch();
}

// Picks the next runnable thread (or this CPU's idle) and switches to it.
// The caller has already put the current thread where it belongs (run
// queue, a wait queue, or nowhere for a dead one). Inlined into each caller
// (a handful), so a yield or a block is one call less deep.
[[gnu::always_inline]] inline void schedule() REQUIRES(g_scheduler_lock) {
    Cpu& cpu = this_cpu();
    Thread* next = g_run_queue.pop_front();
    if (!next) next = &cpu.idle;
    cpu.quantum_left = kQuantumMs;
    set_need_resched(false);
    switch_to(cpu, next);
}

void unlink_timed(Thread* thread) REQUIRES(g_scheduler_lock) {
    for (Thread** link = &g_timed; *link; link = &(*link)->next_timed) {
        if (*link != thread) continue;
        *link = thread->next_timed;
        thread->next_timed = nullptr;
        return;
    }
}

// Ends the waits whose deadline has come.
void expire_deadlines(uint64_t now_ns) REQUIRES(g_scheduler_lock) {
    Thread** link = &g_timed;
    while (Thread* t = *link) {
        if (t->wake_at_ns > now_ns) {
            link = &t->next_timed;
            continue;
        }
        wake_thread_locked(t, WakeReason::kTimedOut);  // unlinks t: *link is its successor
    }
}

// The thread this CPU runs is charged a tick, as user or system time.
// Only this CPU writes its counters while it runs it; others read them.
void bump(uint64_t& counter) {
    __atomic_store_n(&counter, __atomic_load_n(&counter, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

void charge_tick(Thread& thread, bool user) {
    bump(user ? thread.cpu_ticks.user : thread.cpu_ticks.system);
}

// Running threads (one per busy CPU) and ready ones, every kLoadSampleTicks.
uint64_t runnable_locked() REQUIRES(g_scheduler_lock) {
    uint64_t busy = g_online_cpus & ~g_idle_cpus;
    return uint64_t(__builtin_popcountll(busy)) + g_run_queue.size();
}

void sample_load_locked() REQUIRES(g_scheduler_lock) {
    if (--g_load_countdown) return;
    g_load_countdown = kLoadSampleTicks;
    g_load.sample(runnable_locked());
}

// Every CPU's timer tick (interrupts off).
void (*g_device_poll)() = nullptr;  // set once at boot, before the APs start
// The device poll runs on a stack of its own: how deep the interrupted
// thread's kernel stack is (one page for a NyanOS program's) must not
// decide whether a USB attach fits on it.
uint64_t g_device_poll_stack = 0;
// True while the boot CPU runs device work on that stack: it has one user
// at a time (interrupts stay off there, so the tick and a device's
// interrupt cannot nest), and a nesting would be a broken invariant.
bool g_on_device_stack = false;

void run_device_work_here(void (*work)()) {
    VERIFY(!g_on_device_stack);
    g_on_device_stack = true;
    arch_run_on_stack(g_device_poll_stack, work);
    g_on_device_stack = false;
}

void on_timer(arch::InterruptFrame& frame) {
    Cpu& cpu = this_cpu();
    if (cpu.index == 0 && g_device_poll) run_device_work_here(g_device_poll);
    Thread* current = current_thread();
    if (current != &cpu.idle) {
        charge_tick(*current, frame.from_user());
        bump(frame.from_user() ? cpu.ticks.user : cpu.ticks.system);
    } else {
        bump(cpu.ticks.idle);
    }
    // setitimer's timers, before the scheduler lock: firing one sends a
    // signal, whose lock comes first.
    process_timers_tick(*current, frame.from_user());
    {
        sync::Guard lock(g_scheduler_lock);
        if (g_timed) expire_deadlines(arch::monotonic_ns());
        expire_timed_events_locked(arch::monotonic_ns());
        if (cpu.index == 0) sample_load_locked();
        if (current == &cpu.idle) {
            if (!g_run_queue.empty()) schedule();
            return;
        }
        if (cpu.quantum_left > 0) --cpu.quantum_left;
        if (cpu.quantum_left == 0 && !g_run_queue.empty()) {
            if (!frame.from_user()) {
                // In the middle of a system call: switch at its next preempt_point().
                set_need_resched(true);
                return;
            }
            make_ready_locked(current);
            schedule();
        }
    }
    // Back on this thread (maybe much later, maybe on another CPU): a
    // pending kill takes effect in the user-return hook (die_if_killed).
}

void wake_input_waiters() {
    g_input_ready.notify();
}

// Makes the calling CPU's boot context its idle thread.
void join_scheduler(arch::CpuEntryArea& entry, uint64_t boot_stack) {
    sync::Guard lock(g_scheduler_lock);
    VERIFY(entry.index < kMaxCpus);
    Cpu& cpu = g_cpus[entry.index];
    cpu.index = entry.index;
    cpu.idle.state = ThreadState::kRunning;
    cpu.idle.on_cpu = true;
    cpu.idle.kernel_stack_top = boot_stack;
    entry.current_thread = &cpu.idle;
    g_idle_cpus |= uint64_t(1) << entry.index;
    __atomic_store_n(&g_online_cpus, g_online_cpus | uint64_t(1) << entry.index, __ATOMIC_RELAXED);
    entry.owner = &cpu;
    ++g_cpu_count;
}

}  // namespace

// A new thread's first code, entered from the switch that picked it (the
// scheduler lock held, interrupts off): it finishes that switch and
// releases the lock, then returns into the entry path that leaves for user
// mode. A kill that came before the thread ever ran ends it here, before
// any of its user code runs.
void thread_start() NO_THREAD_SAFETY_ANALYSIS {
    // The analysis cannot see that the lock was taken by the thread that
    // switched here; it is held, by this CPU.
    g_scheduler_lock.assert_held();
    finish_switch();
    g_scheduler_lock.unlock();
    die_if_killed();
}

namespace {

// Every interrupt that came from user mode goes back past here (interrupts
// off): a kill ends the thread, signals are delivered into `frame`, which
// the interrupt exit then restores whole (IRET).
void on_user_return(arch::InterruptFrame& frame) {
    return_to_user(frame);
}

}  // namespace

void init_scheduler() {
    arch::init_fpu_clean_state();
    join_scheduler(arch::boot_cpu_entry(), arch::kernel_stack());
    console_input::set_data_available_hook(wake_input_waiters);
    arch::set_user_return_hook(on_user_return);
    arch::set_timer_handler(on_timer);
}

void run_application_processor(arch::CpuEntryArea& entry) {
    join_scheduler(entry, arch::kernel_stack());
    idle_loop();
}

unsigned scheduler_cpu_count() {
    return __atomic_load_n(&g_cpu_count, __ATOMIC_RELAXED);
}

uint64_t online_cpu_mask() {
    // Written under the lock, only ever gaining bits: a read without it
    // sees a CPU that joined a moment ago, or not yet.
    return __atomic_load_n(&g_online_cpus, __ATOMIC_RELAXED);
}

uint64_t load_average(unsigned which) {
    return g_load.average(which);
}

uint64_t runnable_threads() {
    // The timer takes this lock: interrupts off while it is held.
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    return runnable_locked();
}

CpuTickCounts cpu_tick_counts(unsigned index) {
    if (index >= kMaxCpus) return {};
    const CpuTickCounts& t = g_cpus[index].ticks;
    return CpuTickCounts{__atomic_load_n(&t.user, __ATOMIC_RELAXED),
                         __atomic_load_n(&t.system, __ATOMIC_RELAXED),
                         __atomic_load_n(&t.idle, __ATOMIC_RELAXED)};
}

uint64_t context_switches(unsigned index) {
    if (index >= kMaxCpus) return 0;
    return __atomic_load_n(&g_cpus[index].switches, __ATOMIC_RELAXED);
}

bool is_idle(const Thread* thread) {
    return thread->process == nullptr;
}

void make_ready_locked(Thread* thread) {
    enqueue_ready(thread);
}

void make_ready(Thread* thread) {
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    make_ready_locked(thread);
}

WakeReason WaitQueue::wait_locked(Deadline deadline, WaitMode mode) {
    Thread* self = current_thread();
    VERIFY(!is_idle(self));
    if (kill_pending(self)) return WakeReason::kKilled;
    bool killable_only = mode == WaitMode::kKillable;
    if (!killable_only && signal_interrupts_wait(self)) return WakeReason::kInterrupted;
    if (!deadline.none() && arch::monotonic_ns() >= deadline.monotonic_ns)
        return WakeReason::kTimedOut;
    self->state = ThreadState::kBlocked;
    self->signals.killable_wait = killable_only;
    self->waiting_on = this;
    m_waiters.push_back(self);
    self->wake_at_ns = deadline.monotonic_ns;
    if (!deadline.none()) {
        self->next_timed = g_timed;
        g_timed = self;
    }
    schedule();
    return self->wake_reason;
}

void wake_thread_locked(Thread* thread, WakeReason reason) {
    VERIFY(thread->state == ThreadState::kBlocked);
    if (thread->waiting_on) thread->waiting_on->m_waiters.remove(thread);
    if (thread->wake_at_ns != 0) unlink_timed(thread);
    thread->waiting_on = nullptr;
    thread->wake_at_ns = 0;
    thread->wake_reason = reason;
    make_ready_locked(thread);
}

bool WaitQueue::wake_one_locked() {
    Thread* t = m_waiters.pop_front();
    if (!t) return false;
    t->waiting_on = nullptr;  // already out of the queue
    wake_thread_locked(t, WakeReason::kWoken);
    return true;
}

void WaitQueue::wake_all_locked() {
    while (wake_one_locked()) {
    }
}

void WaitQueue::wake_all() {
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    wake_all_locked();
}

void schedule_away_from_dead() {
    schedule();
    panic("exit: a dead thread was scheduled");
}

void die_if_killed() {
    Thread* self = current_thread();
    if (!kill_pending(self)) return;
    Process* p = self->process;
    if (__atomic_load_n(&p->group_exiting, __ATOMIC_RELAXED)) exit_current(p->group_exit_status);
    exit_thread(0);  // another thread's execve: never the last thread
}

bool request_group_exit(Process* process, int wait_status, const char* why) {
    // The signal lock keeps the thread list still (its writers hold it).
    sync::NoInterruptsGuard threads(g_signal_lock);
    sync::Guard lock(g_scheduler_lock);
    if (process->group_exiting) return false;
    process->group_exit_status = wait_status;
    raise_return_attention(process);
    __atomic_store_n(&process->group_exiting, true, __ATOMIC_RELAXED);
    if (why) format(process->kill_reason, sizeof(process->kill_reason), "%s", why);
    for (Thread* t = process->thread; t; t = t->next_in_process)
        if (t->state == ThreadState::kBlocked) wake_thread_locked(t, WakeReason::kKilled);
    return true;
}

void request_kill(Process* process, int signal, const char* why) {
    request_group_exit(process, signal, why);
}

void end_waits_of_other_threads(Process* process, Thread* except) {
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    for (Thread* t = process->thread; t; t = t->next_in_process)
        if (t != except && t->state == ThreadState::kBlocked)
            wake_thread_locked(t, WakeReason::kKilled);
}

void wait_until_off_cpu(const Thread* thread) {
    while (__atomic_load_n(&thread->on_cpu, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
}

void idle_loop() {
    for (;;) {
        arch::disable_interrupts();
        {
            sync::Guard lock(g_scheduler_lock);
            if (!g_run_queue.empty()) schedule();
        }
        // sti takes effect after the next instruction, so an interrupt that
        // arrives now (a wake-up IPI, the tick) ends the hlt rather than
        // slipping in before it.
        asm volatile("sti; hlt" ::: "memory");
    }
}

void yield_if_needed() {
    if (is_idle(current_thread())) return;
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    if (!need_resched()) return;
    set_need_resched(false);
    if (g_run_queue.empty()) return;
    make_ready_locked(current_thread());  // the same CPU's: interrupts are off now
    schedule();
}

void preempt_point() {
    // The common case is a few loads. (The end of a system call uses
    // return_to_user, which checks with interrupts off.)
    if (!need_resched() && !kill_pending(current_thread())) return;
    yield_if_needed();
    arch::InterruptDisabler no_interrupts;
    die_if_killed();
}

namespace {

// Whether the return to user mode has signal work: a signal to deliver, an
// interrupted call to settle, or a mask to put back after rt_sigsuspend.
// Only Linux-personality threads ever have any.
bool signal_work(const Thread* t, const arch::InterruptFrame& regs) NO_THREAD_SAFETY_ANALYSIS {
    if (!t->process->signal_actions) return false;
    if (signal_interrupts_wait(t) || t->signals.restore_saved) return true;
    int64_t rax = int64_t(regs.rax);
    return regs.vector == arch::kSyscallVector && regs.error_code != ~uint64_t(0) &&
           (rax == -int64_t(Error::kRestartSys) || rax == -int64_t(Error::kRestartNoHand));
}

}  // namespace

bool return_to_user(arch::InterruptFrame& regs) {
    // The common case is a cli and a few loads; yield_if_needed switches
    // with interrupts off, and they are off again when it returns. Signal
    // delivery writes the user stack, so it runs with interrupts on; then
    // everything is checked again.
    bool rewritten = false;
    for (;;) {
        arch::disable_interrupts();
        Thread* t = current_thread();
        bool signals = signal_work(t, regs);
        if (!need_resched() && !kill_pending(t) && !signals) return rewritten;
        yield_if_needed();
        arch::disable_interrupts();
        die_if_killed();
        if (signals) {
            arch::enable_interrupts();
            rewritten |= deliver_signals(regs);
        }
    }
}

void interrupt_wait(Thread* thread) {
    sync::NoInterruptsGuard lock(g_scheduler_lock);
    if (thread->state == ThreadState::kBlocked && !thread->signals.killable_wait)
        wake_thread_locked(thread, WakeReason::kInterrupted);
}

void yield() {
    // From a system call, so interrupts are on: no need to save the flags
    // (NoInterruptsGuard's pushf) to know they go back on.
    arch::disable_interrupts();
    {
        sync::Guard lock(g_scheduler_lock);
        if (!g_run_queue.empty()) {
            enqueue_ready(current_thread());
            schedule();
        }
    }
    arch::enable_interrupts();
}

void sleep_ms(uint64_t ms) {
    constexpr uint64_t kMaxMs = ~0ull / 1'000'000 / 2;  // no overflow: "forever"
    uint64_t ns = (ms < kMaxMs ? ms : kMaxMs) * 1'000'000;
    arch::InterruptDisabler no_interrupts;
    sleep_until(Deadline{arch::monotonic_ns() + ns});
    die_if_killed();
}

WakeReason sleep_until(Deadline deadline) {
    arch::InterruptDisabler no_interrupts;
    sync::Guard lock(g_scheduler_lock);
    // Nothing wakes g_sleepers: only the deadline (kTimedOut) or an
    // interruption ends the wait.
    return g_sleepers.wait_locked(deadline);
}

WakeReason wait_for_input(console_input::Reader reader, Deadline deadline) {
    arch::InterruptDisabler no_interrupts;
    // The console's hook wakes under the scheduler lock, so input that
    // arrives after this check finds this thread already queued.
    sync::Guard lock(g_scheduler_lock);
    if (!console_input::empty(reader)) return WakeReason::kWoken;
    return g_input_ready.queue().wait_locked(deadline);
}

bool set_device_poll_hook(void (*hook)()) {
    auto stack = mm::allocate_kernel_stack(kDevicePollStackPages);
    if (!stack.ok()) {
        kprintf("scheduler: no stack for the device poll (%s): devices not polled\n",
                error_name(stack.error()));
        return false;
    }
    g_device_poll_stack = stack.value();
    g_device_poll = hook;
    return true;
}

bool run_on_device_stack(void (*work)()) {
    VERIFY(!(arch::read_rflags() & arch::kRflagsInterrupt));
    if (!g_device_poll_stack || this_cpu().index != 0) return false;
    run_device_work_here(work);
    return true;
}

WaitEvent& console_input_event() {
    return g_input_ready;
}

bool interrupt_pending_here() {
    Thread* self = current_thread();
    if (!self->process) return false;
    return kill_pending(self) || signal_interrupts_wait(self);
}

Result<void> set_user_fs_base(uint64_t base) {
    if (!arch::is_settable_user_base(base)) return Error::kPermission;
    arch::InterruptDisabler no_interrupts;  // the thread and the MSR change together
    Thread* self = current_thread();
    VERIFY(!is_idle(self));
    self->segments().bases.set_fs(base);
    arch::load_user_fs_base(this_cpu().user_bases, base);
    return {};
}

Result<void> set_user_gs_base(uint64_t base) {
    if (!arch::is_settable_user_base(base)) return Error::kPermission;
    arch::InterruptDisabler no_interrupts;
    Thread* self = current_thread();
    VERIFY(!is_idle(self));
    self->segments().bases.set_gs(base);
    arch::load_user_gs_base(this_cpu().user_bases, base);
    return {};
}

void reset_user_segments() {
    arch::InterruptDisabler no_interrupts;
    Thread* self = current_thread();
    VERIFY(!is_idle(self));
    self->segments() = arch::UserSegments{};
    arch::reset_live_user_segments(this_cpu().user_bases);
}

uint64_t user_fs_base() {
    arch::InterruptDisabler no_interrupts;  // not switched between CPUs while reading
    return arch::read_user_fs_base();
}

uint64_t user_gs_base() {
    arch::InterruptDisabler no_interrupts;
    return arch::read_user_gs_base();
}

uint64_t TaskRoots::active() {
    uint64_t root = current_thread()->active_root;
    return root ? root : arch::read_cr3();
}

void TaskRoots::activate(uint64_t root) {
    arch::InterruptDisabler no_interrupts;
    current_thread()->active_root = root;
    if (arch::read_cr3() != root) mm::load_cr3(root);
    if (arch::kpti_enabled()) arch::set_entry_kernel_root(root);
}

}  // namespace nyanos::proc
