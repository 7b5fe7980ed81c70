// The preemptive round-robin scheduler on every CPU: one run queue under
// the scheduler lock (scheduler_lock.h), a current thread and an idle
// thread per CPU (cpu.h), blocking and waking, the timer tick, and the
// switch that loads CR3.
//
// Functions without _locked take the scheduler lock themselves and turn
// interrupts off around it; callers need not.
//
// Preemption: the timer switches threads only when it interrupts user mode
// or an idle thread. Kernel code (a system call) is never switched away
// from in the middle of an operation on shared state; it runs until it
// blocks or reaches a preempt_point(), where an expired quantum and a
// pending kill take effect.
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"
#include "dev/console_input.h"
#include "nyanos/lib/result.h"
#include "proc/cpu.h"
#include "proc/process.h"
#include "proc/scheduler_lock.h"
#include "proc/thread.h"

namespace nyanos::proc {

// Makes the boot context CPU 0's idle thread and hooks the timer. Once,
// after the arch and memory init.
void init_scheduler();

// Makes the calling CPU (an AP, with its per-CPU area installed and its
// timer running) schedulable, then idles. Never returns.
[[noreturn]] void run_application_processor(arch::CpuEntryArea& entry);

// The idle loop; a CPU's boot context ends here.
[[noreturn]] void idle_loop();

// The CPUs the scheduler runs on (the boot CPU and every AP that joined).
unsigned scheduler_cpu_count();
// The same as a mask, a bit per CPU index (indexes are dense from 0).
uint64_t online_cpu_mask();

// The 1-, 5- and 15-minute load averages (which = 0, 1, 2) in
// LoadAverage's fixed point (lib/load_average.h): running plus ready
// threads, sampled every 5 s on the boot CPU's tick.
uint64_t load_average(unsigned which);
// Threads running or ready now (what the load averages sample).
uint64_t runnable_threads();
// The timer ticks CPU `index` has spent in user mode, in the kernel and
// idle since it joined (zeros for an index that never did).
CpuTickCounts cpu_tick_counts(unsigned index);
// How many times CPU `index` has switched threads since it joined.
uint64_t context_switches(unsigned index);

// Inline: every system call asks. One load through GS: the CPU entry
// area's current_thread, which only this CPU writes, in its switches.
inline Thread* current_thread() {
    Thread* thread;
    asm volatile("movq %%gs:96, %0" : "=r"(thread));
    return thread;
}
static_assert(__builtin_offsetof(arch::CpuEntryArea, current_thread) == 96);
// The current thread's process; nullptr on an idle thread.
inline Process* current_process() {
    return current_thread()->process;
}
bool is_idle(const Thread* thread);

// Whether `thread` must end at its next safe point: its process is ending
// (Process::group_exiting), or another of its threads is in execve
// (Process::exec_thread). Relaxed loads: a change is seen at the next check.
inline bool kill_pending(const Thread* thread) {
    const Process* p = thread->process;
    if (!p) return false;
    if (__atomic_load_n(&p->group_exiting, __ATOMIC_RELAXED)) return true;
    Thread* exec = __atomic_load_n(&p->exec_thread, __ATOMIC_RELAXED);
    return exec && exec != thread;
}

// Marks `p`'s way back to user mode for the full check (see
// Process::return_attention). Called before, or with, the change it is for.
inline void raise_return_attention(Process* p) {
    __atomic_store_n(&p->return_attention, uint8_t(1), __ATOMIC_RELAXED);
}

// The system call's way out, for the common case, with interrupts off:
// zero when return_to_user has nothing to do and the SYSRET path may be
// taken. Nonzero for a superset of return_to_user's conditions: a switch
// due, a frame to restore in full (Thread::full_return), or the process's
// return_attention (ending, an execve, signal actions: a Linux process
// always takes the full check). The words are or-ed, not tested one by
// one, so that the common case is three loads and one branch;
// return_to_user checks each condition exactly. A kill from another CPU
// may be seen one return late (relaxed loads): its IPI and the next check
// catch it.
inline uint64_t user_return_work(const Thread* thread) {
    return __atomic_load_n(&thread->process->return_attention, __ATOMIC_RELAXED) |
           need_resched() | uint64_t(thread->full_return);
}

// Puts a new or woken `thread` on the run queue.
void make_ready(Thread* thread) EXCLUDES(g_scheduler_lock);
void make_ready_locked(Thread* thread) REQUIRES(g_scheduler_lock);

// Switches to the next ready thread (or idle) without queueing the current
// one, which has just died. The scheduler lock held, interrupts off.
[[noreturn]] void schedule_away_from_dead() REQUIRES(g_scheduler_lock);

// Marks `process` to end at its threads' next safe points with the wait
// status `wait_status`, recording `why` (unless nullptr), and ends the
// waits of its blocked threads (kKilled). Only the first request counts:
// false if the process was already ending. Safe in interrupt context: it
// never switches threads itself. Takes the signal lock (for the thread
// list), so a caller may hold the table lock but not the signal lock.
bool request_group_exit(Process* process, int wait_status, const char* why)
    EXCLUDES(g_scheduler_lock);
// request_group_exit for a death by `signal` (its wait status).
void request_kill(Process* process, int signal, const char* why) EXCLUDES(g_scheduler_lock);
// Ends the waits (kKilled) of `process`'s blocked threads other than
// `except`: execve set Process::exec_thread, so they are to end. The caller
// keeps the thread list still (it holds the table lock).
void end_waits_of_other_threads(Process* process, Thread* except) EXCLUDES(g_scheduler_lock);

// Ends the current thread if a kill is pending (with its process, when the
// process is ending). Interrupts off. Also the
// last step before every return to user mode (the arch user-return hook,
// return_to_user and a new thread's thread_start), so no user
// instruction runs once a kill is pending, not even a new thread's first.
void die_if_killed() EXCLUDES(g_scheduler_lock);

// From a system call (interrupts on): lets the next ready thread run, if
// any, putting this one at the end of the run queue.
void yield();
// A safe place to switch threads: dies if a kill is pending, yields if the
// quantum has expired. Called at the end of every system call and between
// the steps of a long one.
void preempt_point();
// The same without the kill check, for callers that still own resources a
// sudden exit would leak.
void yield_if_needed();
// The way back to user mode of every system call and of every interrupt
// from user mode, with the thread's saved user registers: switches if the
// quantum is over, dies if a kill is pending, delivers signals (which may
// rewrite `regs`). Returns with interrupts off, left off until the return,
// so no interrupt can set a kill after the check; true if `regs` changed
// beyond rax (the return must restore them all).
bool return_to_user(arch::InterruptFrame& regs);

// Ends `thread`'s wait, if it is blocked in an interruptible one, with
// kInterrupted (a signal for it).
void interrupt_wait(Thread* thread) EXCLUDES(g_scheduler_lock);

// Sleeps at least `ms` milliseconds (to the first tick past them); ends the
// process instead if it is killed meanwhile.
void sleep_ms(uint64_t ms);
// Blocks until the monotonic clock reaches `deadline` (kTimedOut: never
// early, at most a tick late) or the wait is interrupted (kKilled, or
// kInterrupted by a signal): the caller unwinds, e.g. returns EINTR. A
// deadline already past returns kTimedOut at once.
WakeReason sleep_until(Deadline deadline);

// Blocks until input `reader` reads is available (kWoken; at once if
// there is some), the process is killed (kKilled), a signal is to be taken
// (kInterrupted) or `deadline` passes (kTimedOut; none by default). The
// caller unwinds and returns (EINTR, a restart code): the kill or the
// signal takes effect on the way back to user mode.
WakeReason wait_for_input(console_input::Reader reader, Deadline deadline = {});
// Fired when console input arrives (poll on the console subscribes to it).
class WaitEvent;
WaitEvent& console_input_event();

// A device that is polled rather than interrupt-driven (the USB
// controller): `hook` runs on the boot CPU's timer tick, in interrupt
// context, before the scheduler's own work, on a stack of its own
// (kDevicePollStackPages, with a guard page). Set once at boot; false (and
// nothing polled) when that stack cannot be had.
inline constexpr size_t kDevicePollStackPages = 3;
bool set_device_poll_hook(void (*hook)());

// Runs `work` on the device poll's stack, for a device interrupt handler
// whose work may run as deep as the poll's (a USB attach). In interrupt
// context with interrupts off, on the boot CPU, which is the only one that
// uses that stack: the poll and such a handler cannot nest there. False
// (and nothing run) on another CPU or before set_device_poll_hook gave
// the stack; the caller then leaves the work to the poll.
bool run_on_device_stack(void (*work)());

// Whether a kill, or a signal the current thread is to take, is pending:
// a long system call checks it between steps and returns early with what
// it has done, so that the kill or the handler comes on its way out,
// after it has released what it holds (Linux's signal_pending() checks).
bool interrupt_pending_here();

// A new thread's first code (see prepare_first_entry): finishes the switch
// that picked it, releases the scheduler lock, and ends the thread if a kill
// came before it ever ran; then returns towards user mode.
void thread_start();

// Spins until a dead `thread` has left its CPU (its stack is free to go).
void wait_until_off_cpu(const Thread* thread);

// The calling thread's user FS and GS bases, for arch_prctl: ARCH_SET_FS
// and ARCH_SET_GS set one (and a null selector in that segment register, as
// Linux does) at once and for good: every switch restores it. kPermission
// (EPERM, Linux's answer) for a kernel or non-canonical address, one at or
// above arch::kUserBaseLimit; nothing changes then. The getters give the
// live base (ARCH_GET_FS, ARCH_GET_GS). A new thread starts with both 0.
// From a system call of a user thread.
Result<void> set_user_fs_base(uint64_t base);
Result<void> set_user_gs_base(uint64_t base);
uint64_t user_fs_base();
uint64_t user_gs_base();
// The calling thread's selectors and FS/GS bases back to a new thread's
// (null, 0): execve's commit.
void reset_user_segments();

}  // namespace nyanos::proc
